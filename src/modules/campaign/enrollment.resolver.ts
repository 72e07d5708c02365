import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Parent } from '../../common/parent';
import { PageArgs } from '../../common/pagination';
import type { RequestContext } from '../../request/context';
import { EnrollmentRun, SkippedCustomerConnection } from './enrollment.type';

@Resolver(() => EnrollmentRun)
export class EnrollmentResolver {
  @Mutation(() => EnrollmentRun, {
    description:
      "Starts a run that enrols the listed customers, or without a list those matching the campaign's target " +
      'criteria, if eligible, and answers at once with the run (RUNNING); follow it with Query.enrollmentRun. ' +
      'APPROVED or ACTIVE campaigns only; nobody is enrolled twice; one run per campaign at a time ' +
      '(CONFLICT, with extensions.runId, while one runs).',
  })
  enrollCustomers(
    @Ctx() ctx: RequestContext,
    @Arg('campaignId', () => ID) campaignId: string,
    @Arg('customerIds', () => [ID], { nullable: true }) customerIds?: string[] | null,
  ) {
    return ctx.services.enrollments.start(ctx, campaignId, customerIds ?? null);
  }

  @Query(() => EnrollmentRun, { nullable: true, description: 'An enrolment run, by the id enrollCustomers answered.' })
  enrollmentRun(@Ctx() ctx: RequestContext, @Arg('id', () => ID) id: string) {
    return ctx.services.enrollments.run(ctx, id);
  }

  @FieldResolver(() => SkippedCustomerConnection, {
    description: 'Ordered by customer number; a running run lists the ranges it has done.',
  })
  skippedCustomers(@Parent() run: EnrollmentRun, @Ctx() ctx: RequestContext, @Args() page: PageArgs) {
    return ctx.services.enrollments.skippedCustomers(ctx, run.id, page);
  }
}
