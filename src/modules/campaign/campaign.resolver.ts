import { Arg, Args, Ctx, FieldResolver, ID, Query, Resolver } from 'type-graphql';
import { Parent } from '../../common/parent';
import { PageArgs } from '../../common/pagination';
import type { RequestContext } from '../../request/context';
import { Customer } from '../customer/customer.type';
import { Product } from '../holding/holding.type';
import { metricsForCaller } from './campaign-metrics-cohorts';
import { CampaignStatus } from './campaign.enums';
import { Campaign, CampaignConnection, CampaignEnrollment, CampaignMetrics } from './campaign.type';

@Resolver(() => Campaign)
export class CampaignResolver {
  @Query(() => Campaign, { nullable: true })
  campaign(@Ctx() ctx: RequestContext, @Arg('id', () => ID) id: string) {
    return ctx.services.campaigns.getById(ctx, id);
  }

  @Query(() => CampaignConnection, { description: 'Newest first.' })
  campaigns(
    @Ctx() ctx: RequestContext,
    @Args() page: PageArgs,
    @Arg('status', () => CampaignStatus, { nullable: true }) status?: CampaignStatus | null,
  ) {
    return ctx.services.campaigns.page(ctx, status, page);
  }

  @FieldResolver(() => CampaignMetrics, {
    nullable: true,
    description: 'Marketing roles, risk officers and auditors only.',
  })
  async metrics(@Parent() campaign: Campaign, @Ctx() ctx: RequestContext) {
    return metricsForCaller(ctx.privacy.cohorts, await ctx.loaders.campaign.metrics.load(campaign.id));
  }

  @FieldResolver(() => Product, { nullable: true, description: 'The product the campaign promotes, if any.' })
  product(@Parent() campaign: Campaign, @Ctx() ctx: RequestContext) {
    return campaign.productId ? ctx.loaders.holding.product.load(campaign.productId) : null;
  }
}

@Resolver(() => Customer)
export class CustomerCampaignsResolver {
  @FieldResolver(() => [CampaignEnrollment])
  campaignEnrollments(@Parent() customer: Customer, @Ctx() ctx: RequestContext) {
    return ctx.loaders.campaign.enrollmentsByCustomer.load(customer.id);
  }
}
