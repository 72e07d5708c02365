import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Parent } from '../../common/parent';
import { PageArgs } from '../../common/pagination';
import type { RequestContext } from '../../request/context';
import { Customer } from '../customer/customer.type';
import { Branch, RelationshipManager } from '../organisation/organisation.type';
import { LeadStatus } from './lead.enums';
import { Lead, LeadConnection, LeadFilter } from './lead.type';

@Resolver(() => Lead)
export class LeadResolver {
  @Query(() => LeadConnection, {
    description:
      "Leads you work on, newest first: a relationship manager's own; branch staff's, every lead routed to " +
      'their branch; auditors, every lead.',
  })
  leads(
    @Ctx() ctx: RequestContext,
    @Args() page: PageArgs,
    @Arg('filter', () => LeadFilter, { nullable: true }) filter?: LeadFilter | null,
  ) {
    return ctx.services.leads.list(ctx, filter ?? null, page);
  }

  @Mutation(() => Lead, {
    description: 'Moves a lead you work on one step: NEW → CONTACTED → QUALIFIED → CONVERTED, or LOST (else CONFLICT).',
  })
  updateLead(
    @Ctx() ctx: RequestContext,
    @Arg('id', () => ID) id: string,
    @Arg('status', () => LeadStatus) status: LeadStatus,
  ) {
    return ctx.services.leads.update(ctx, id, status);
  }

  @FieldResolver(() => Customer, {
    nullable: true,
    description: 'The existing customer it names; null for a prospect, or when the customer is outside your scope.',
  })
  customer(@Parent() lead: Lead, @Ctx() ctx: RequestContext) {
    return lead.customerId === null ? null : ctx.loaders.customer.byId.load(lead.customerId);
  }

  @FieldResolver(() => RelationshipManager, {
    nullable: true,
    description: "The relationship manager it is routed to; null when it is the branch's, or unrouted.",
  })
  assignee(@Parent() lead: Lead, @Ctx() ctx: RequestContext) {
    return lead.assigneeId === null ? null : ctx.loaders.organisation.staff.load(lead.assigneeId);
  }

  @FieldResolver(() => Branch, { nullable: true, description: 'The branch it is routed to; null when unrouted.' })
  branch(@Parent() lead: Lead, @Ctx() ctx: RequestContext) {
    return lead.branchId === null ? null : ctx.loaders.organisation.branch.load(lead.branchId);
  }
}
