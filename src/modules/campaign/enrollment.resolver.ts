import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { PageArgs } from '../../common/pagination';
import type { RequestContext } from '../../request/context';
import { EnrollmentResult, SkippedCustomerConnection } from './enrollment.type';

@Resolver(() => EnrollmentResult)
export class EnrollmentResolver {
  @Mutation(() => EnrollmentResult, {
    description:
      "Enrols the listed customers, or without a list those matching the campaign's target criteria, if eligible. " +
      'APPROVED or ACTIVE campaigns only; nobody is enrolled twice.',
  })
  enrollCustomers(
    @Ctx() ctx: RequestContext,
    @Arg('campaignId', () => ID) campaignId: string,
    @Arg('customerIds', () => [ID], { nullable: true }) customerIds?: string[] | null,
  ) {
    return ctx.services.enrollments.enroll(ctx, campaignId, customerIds ?? null);
  }

  @FieldResolver(() => SkippedCustomerConnection, { description: 'Ordered by customer number.' })
  skippedCustomers(@Root() result: EnrollmentResult, @Ctx() ctx: RequestContext, @Args() page: PageArgs) {
    return ctx.services.enrollments.skippedCustomers(result.runId, page);
  }
}
