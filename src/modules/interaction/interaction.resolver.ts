import { Arg, Args, Ctx, FieldResolver, Mutation, Resolver } from 'type-graphql';
import { Parent } from '../../common/parent';
import { PageArgs } from '../../common/pagination';
import type { RequestContext } from '../../request/context';
import { Customer } from '../customer/customer.type';
import { CampaignResponseInput, CampaignResponseReceipt } from '../campaign/campaign-response';
import { LeadReceipt, RegisterLeadInput } from '../lead/lead-commands';
import { InteractionReceipt, RecordInteractionInput } from './interaction-commands';
import { InteractionConnection } from './interaction.type';

@Resolver(() => Customer)
export class CustomerInteractionsResolver {
  // Runs once per customer of a page: PageArgs carries no class-validator rules
  // (toPageRequest checks it), so type-graphql's validation pass is skipped.
  @FieldResolver(() => InteractionConnection, { nullable: true, description: 'Newest first.' })
  interactions(@Parent() customer: Customer, @Ctx() ctx: RequestContext, @Args({ validate: false }) page: PageArgs) {
    return ctx.services.interactions.pageForCustomer(ctx, customer.id, page);
  }
}

@Resolver(() => InteractionReceipt)
export class InteractionMutationResolver {
  @Mutation(() => InteractionReceipt, {
    description: 'Appends an interaction. Retries with the same Idempotency-Key (or externalRef) write once.',
  })
  recordInteraction(
    @Ctx() ctx: RequestContext,
    @Arg('input', () => RecordInteractionInput) input: RecordInteractionInput,
  ) {
    return ctx.services.interactionCommands.record(ctx, input);
  }

  @Mutation(() => LeadReceipt, { description: 'Registers a prospect; idempotent like recordInteraction.' })
  registerLead(@Ctx() ctx: RequestContext, @Arg('input', () => RegisterLeadInput) input: RegisterLeadInput) {
    return ctx.services.leadCommands.register(ctx, input);
  }

  @Mutation(() => CampaignResponseReceipt, {
    description: 'RESPONDED or CONVERTED (with revenue) for an enrolled customer of an ACTIVE campaign; idempotent.',
  })
  recordCampaignResponse(
    @Ctx() ctx: RequestContext,
    @Arg('input', () => CampaignResponseInput) input: CampaignResponseInput,
  ) {
    return ctx.services.campaignResponses.record(ctx, input);
  }
}
