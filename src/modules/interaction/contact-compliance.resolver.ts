import { Arg, Args, Ctx, ID, Query, Resolver } from 'type-graphql';
import { PageArgs } from '../../common/pagination';
import type { RequestContext } from '../../request/context';
import { ContactCheck, InteractionException, InteractionExceptionConnection } from './contact-compliance';
import { Channel } from './interaction.enums';

@Resolver(() => InteractionException)
export class ContactComplianceResolver {
  @Query(() => ContactCheck, {
    nullable: true,
    description:
      'Whether you may make a campaign contact now. Null when the customer does not exist, is outside your scope, or is not enrolled in the campaign.',
  })
  contactCheck(
    @Ctx() ctx: RequestContext,
    @Arg('customerId', () => ID) customerId: string,
    @Arg('campaignId', () => ID) campaignId: string,
    @Arg('channel', () => Channel) channel: Channel,
  ) {
    return ctx.services.contactCompliance.check(ctx, customerId, campaignId, channel);
  }

  @Query(() => InteractionExceptionConnection, {
    description:
      'Campaign contacts recorded although they breached consent or a contact cap, newest first. Compliance auditors only.',
  })
  contactExceptions(@Ctx() ctx: RequestContext, @Args() page: PageArgs) {
    return ctx.services.contactCompliance.exceptions(ctx, page);
  }
}
