import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver } from 'type-graphql';
import { Parent } from '../../common/parent';
import { DecimalScalar } from '../../common/scalars';
import type { RequestContext } from '../../request/context';
import { Channel } from '../interaction/interaction.enums';
import { CampaignCost } from './campaign-cost';
import { Campaign } from './campaign.type';

@Resolver(() => CampaignCost)
export class CampaignCostResolver {
  @Mutation(() => CampaignCost, {
    description:
      "Records a cost spent on one of the campaign's channels (from APPROVED on, COMPLETED and CANCELLED included); " +
      'idempotent by the Idempotency-Key header.',
  })
  recordCampaignCost(
    @Ctx() ctx: RequestContext,
    @Arg('campaignId', () => ID) campaignId: string,
    @Arg('channel', () => Channel) channel: Channel,
    @Arg('amount', () => DecimalScalar, { description: 'More than 0.00, in CNY.' }) amount: string,
    @Arg('note', () => String, { nullable: true, description: 'At most 1000 characters.' }) note?: string | null,
  ) {
    return ctx.services.campaignCosts.record(ctx, { campaignId, channel, amount, note: note ?? null });
  }

  /** Loaded fresh, on a replayed answer too: its metrics include the cost. */
  @FieldResolver(() => Campaign)
  campaign(@Parent() cost: CampaignCost, @Ctx() ctx: RequestContext) {
    return ctx.loaders.campaign.byId.load(cost.campaignId);
  }
}
