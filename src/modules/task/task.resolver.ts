import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Parent } from '../../common/parent';
import { PageArgs } from '../../common/pagination';
import { DateScalar } from '../../common/scalars';
import type { RequestContext } from '../../request/context';
import { Customer } from '../customer/customer.type';
import { Branch, RelationshipManager } from '../organisation/organisation.type';
import { TaskOutcome, TaskReason, TaskStatus } from './task.enums';
import { ChurnReport, RetentionTask, RetentionTaskConnection } from './task.type';

@Resolver(() => RetentionTask)
export class TaskResolver {
  @Query(() => RetentionTaskConnection, {
    description:
      "Retention tasks you work on, earliest due first: a relationship manager's own; branch staff's, " +
      "their branch's tasks for customers who have no relationship manager.",
  })
  myTasks(
    @Ctx() ctx: RequestContext,
    @Args() page: PageArgs,
    @Arg('status', () => TaskStatus, { nullable: true }) status?: TaskStatus | null,
  ) {
    return ctx.services.tasks.mine(ctx, status ?? null, page);
  }

  @Mutation(() => RetentionTask, {
    description: 'Records what came of a retention task you work on; once (a completed task is CONFLICT).',
  })
  completeTask(
    @Ctx() ctx: RequestContext,
    @Arg('id', () => ID) id: string,
    @Arg('outcome', () => TaskOutcome) outcome: TaskOutcome,
    @Arg('reason', () => TaskReason) reason: TaskReason,
    @Arg('note', () => String, { nullable: true, description: 'At most 1000 characters.' }) note?: string | null,
  ) {
    return ctx.services.tasks.complete(ctx, id, outcome, reason, note ?? null);
  }

  @Query(() => ChurnReport, { description: 'Churn episodes of a period and what came of their retention tasks.' })
  churnReport(
    @Ctx() ctx: RequestContext,
    @Arg('from', () => DateScalar) from: string,
    @Arg('to', () => DateScalar) to: string,
  ) {
    return ctx.services.churnReport(ctx, from, to);
  }

  @FieldResolver(() => Customer, {
    nullable: true,
    description: 'Null when the customer is outside your scope (their relationship manager has changed, say).',
  })
  customer(@Parent() task: RetentionTask, @Ctx() ctx: RequestContext) {
    return ctx.loaders.customer.byId.load(task.customerId);
  }

  @FieldResolver(() => RelationshipManager, {
    nullable: true,
    description: "The relationship manager it is assigned to; null when it is the branch's.",
  })
  assignee(@Parent() task: RetentionTask, @Ctx() ctx: RequestContext) {
    return task.assigneeId === null ? null : ctx.loaders.organisation.staff.load(task.assigneeId);
  }

  @FieldResolver(() => Branch, { description: "The customer's branch when the task opened." })
  branch(@Parent() task: RetentionTask, @Ctx() ctx: RequestContext) {
    return ctx.loaders.organisation.branch.load(task.branchId);
  }
}
