import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../../request/context';
import { CampaignInput } from './campaign.inputs';
import { Campaign } from './campaign.type';

@Resolver(() => Campaign)
export class CampaignMutationResolver {
  @Mutation(() => Campaign, { description: 'A new DRAFT campaign; its creator is the maker.' })
  createCampaign(@Ctx() ctx: RequestContext, @Arg('input', () => CampaignInput) input: CampaignInput) {
    return ctx.services.campaignCommands.create(ctx, input);
  }

  @Mutation(() => Campaign, { description: 'Edits a DRAFT, or a REJECTED campaign, which returns it to DRAFT.' })
  updateCampaign(
    @Ctx() ctx: RequestContext,
    @Arg('id', () => ID) id: string,
    @Arg('input', () => CampaignInput) input: CampaignInput,
  ) {
    return ctx.services.campaignCommands.update(ctx, id, input);
  }

  @Mutation(() => Campaign, { description: 'DRAFT → PENDING_APPROVAL.' })
  submitCampaign(@Ctx() ctx: RequestContext, @Arg('id', () => ID) id: string) {
    return ctx.services.campaignCommands.transition(ctx, id, 'submit');
  }

  @Mutation(() => Campaign, { description: 'PENDING_APPROVAL → APPROVED, by a manager other than the creator.' })
  approveCampaign(@Ctx() ctx: RequestContext, @Arg('id', () => ID) id: string) {
    return ctx.services.campaignCommands.transition(ctx, id, 'approve');
  }

  @Mutation(() => Campaign, { description: 'PENDING_APPROVAL → REJECTED, by a manager other than the creator.' })
  rejectCampaign(
    @Ctx() ctx: RequestContext,
    @Arg('id', () => ID) id: string,
    @Arg('reason', () => String, { nullable: true, description: 'For the maker; readable on the campaign.' })
    reason?: string | null,
  ) {
    return ctx.services.campaignCommands.reject(ctx, id, reason ?? null);
  }

  @Mutation(() => Campaign, { description: 'APPROVED → ACTIVE.' })
  launchCampaign(@Ctx() ctx: RequestContext, @Arg('id', () => ID) id: string) {
    return ctx.services.campaignCommands.transition(ctx, id, 'launch');
  }

  @Mutation(() => Campaign, { description: 'ACTIVE → COMPLETED.' })
  completeCampaign(@Ctx() ctx: RequestContext, @Arg('id', () => ID) id: string) {
    return ctx.services.campaignCommands.transition(ctx, id, 'complete');
  }

  @Mutation(() => Campaign, { description: 'Any state before COMPLETED → CANCELLED.' })
  cancelCampaign(@Ctx() ctx: RequestContext, @Arg('id', () => ID) id: string) {
    return ctx.services.campaignCommands.transition(ctx, id, 'cancel');
  }
}
