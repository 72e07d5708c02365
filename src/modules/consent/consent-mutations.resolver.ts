import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../../request/context';
import { Channel } from '../interaction/interaction.enums';
import { ConsentPurpose } from './consent.enums';
import { Consent } from './consent.type';

@Resolver(() => Consent)
export class ConsentMutationResolver {
  @Mutation(() => Consent, {
    description: 'Records a consent decision; a withdrawal opts the customer out of active campaign contact there.',
  })
  updateConsent(
    @Ctx() ctx: RequestContext,
    @Arg('customerId', () => ID) customerId: string,
    @Arg('purpose', () => ConsentPurpose) purpose: ConsentPurpose,
    @Arg('granted') granted: boolean,
    @Arg('channel', () => Channel, { nullable: true, description: 'For MARKETING only.' }) channel?: Channel | null,
  ) {
    return ctx.services.consentCommands.update(ctx, customerId, purpose, channel ?? null, granted);
  }
}
