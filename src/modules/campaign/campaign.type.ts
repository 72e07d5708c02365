import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { ConnectionType } from '../../common/pagination';
import { DateScalar, DateTimeScalar, DecimalScalar } from '../../common/scalars';
import { LifecycleStage, Tier } from '../customer/customer.enums';
import { Channel } from '../interaction/interaction.enums';
import { CampaignStatus, EnrollmentStatus } from './campaign.enums';
import { Computed } from '../../common/computed';

@ObjectType('CampaignTargetCriteria', {
  simpleResolvers: true,
  description: "The bank's segmentation for a campaign; it may use AUM ranges.",
})
export class CampaignTargetCriteria {
  @Field(() => [Tier])
  tiers: Tier[];

  @Field(() => [LifecycleStage])
  lifecycleStages: LifecycleStage[];

  @Field(() => [String])
  tagCodes: string[];

  @Field(() => DecimalScalar, { nullable: true })
  aumMin: string | null;

  @Field(() => DecimalScalar, { nullable: true })
  aumMax: string | null;
}

@ObjectType('CampaignMessage', { simpleResolvers: true, description: 'What a campaign says on one channel.' })
export class CampaignMessage {
  @Field(() => Channel)
  channel: Channel;

  @Field()
  text: string;
}

@ObjectType('Campaign', { simpleResolvers: true })
export class Campaign {
  @Field(() => ID)
  id: string;

  @Field()
  code: string;

  @Field()
  name: string;

  @Field(() => String, { nullable: true })
  objective: string | null;

  @Field(() => CampaignStatus)
  status: CampaignStatus;

  @Field(() => CampaignTargetCriteria)
  targetCriteria: CampaignTargetCriteria;

  @Field(() => [Channel])
  channels: Channel[];

  @Field(() => DecimalScalar)
  budget: string;

  @Field(() => DateScalar, { nullable: true })
  startsOn: string | null;

  @Field(() => DateScalar, { nullable: true })
  endsOn: string | null;

  @Field(() => DateTimeScalar)
  createdAt: Date;

  @Field(() => [CampaignMessage], { description: 'Its message per channel, as the maker ordered them.' })
  messages: CampaignMessage[];

  @Field(() => String, { nullable: true })
  riskDisclosure: string | null;

  @Field(() => ID, { nullable: true, description: 'The staff id of the manager who approved it.' })
  approvedBy: string | null;

  @Field(() => ID, {
    nullable: true,
    description: 'The staff id of the manager who rejected it; cleared, with the reason, when it is edited.',
  })
  rejectedBy: string | null;

  @Field(() => String, { nullable: true })
  rejectionReason: string | null;

  productId: string | null;
}

@ObjectType('CampaignEnrollment', { simpleResolvers: true })
export class CampaignEnrollment {
  @Field(() => EnrollmentStatus)
  status: EnrollmentStatus;

  @Field(() => Channel)
  channel: Channel;

  @Field(() => DateTimeScalar)
  enrolledAt: Date;

  /** Filled by the loader with a lazy load, like Holding.product: no resolver pipeline per enrolment. */
  @Field(() => Campaign)
  @Computed()
  campaign: Campaign | (() => Promise<Campaign | null>);

  campaignId: string;
}

/** Small-cohort suppression's note on a withheld cell. */
const W =
  'Null (SUPPRESSED) when it covers too few customers for the caller, or the other figures would tell one that does.';

export const CampaignConnection = ConnectionType(Campaign, 'Campaign');

@ObjectType('CampaignChannelMetrics', {
  simpleResolvers: true,
  description: "One channel's funnel and the costs recorded on it.",
})
export class CampaignChannelMetrics {
  @Field(() => Channel)
  channel: Channel;

  @Field(() => Int, { nullable: true, description: `Customers enrolled on this channel, whatever their status. ${W}` })
  targeted: number;

  @Field(() => Int, { nullable: true, description: W })
  contacted: number;

  @Field(() => Int, { nullable: true, description: W })
  responded: number;

  @Field(() => Int, { nullable: true, description: W })
  converted: number;

  @Field(() => DecimalScalar, { description: 'Costs recorded on this channel (recordCampaignCost).' })
  cost: string;

  @Field(() => DecimalScalar, {
    nullable: true,
    description: `cost / converted; null when none converted. ${W} (with cost, it tells converted)`,
  })
  costPerConversion: string | null;

  /** Customers whose responses brought revenue (small-cohort suppression): not a field. */
  revenueCustomers?: number;
}

@ObjectType('CampaignMetrics', { simpleResolvers: true, description: 'Computed from enrolments in SQL.' })
export class CampaignMetrics {
  @Field(() => Int, { nullable: true, description: `Customers enrolled, whatever their status. ${W}` })
  targeted: number;

  @Field(() => Int, { nullable: true, description: `Contacted, responded or converted. ${W}` })
  contacted: number;

  @Field(() => Int, { nullable: true, description: `Responded or converted. ${W}` })
  responded: number;

  @Field(() => Int, { nullable: true, description: W })
  converted: number;

  @Field(() => Float, {
    nullable: true,
    description: `responded / targeted; 0 when none targeted. ${W} (either input; with one, it tells the other)`,
  })
  participationRate: number;

  @Field(() => Float, {
    nullable: true,
    description: `converted / targeted; 0 when none targeted. ${W} (either input; with one, it tells the other)`,
  })
  conversionRate: number;

  @Field(() => DecimalScalar, {
    nullable: true,
    description: `Revenue of the responses. ${W} (those whose responses brought revenue)`,
  })
  revenue: string;

  @Field(() => DecimalScalar, {
    description:
      "Every cost recorded on the campaign's channels, plus any cost carried over from before costs were recorded per channel.",
  })
  cost: string;

  @Field(() => Float, {
    nullable: true,
    description: `(revenue − cost) / cost; null when cost is 0. ${W} (with cost, it tells revenue)`,
  })
  roi: number | null;

  @Field(() => DecimalScalar, {
    nullable: true,
    description: `cost / converted; null when none converted. ${W} (with cost, it tells converted)`,
  })
  costPerConversion: string | null;

  @Field(() => [CampaignChannelMetrics], { description: "The campaign's channels, in its order." })
  byChannel: CampaignChannelMetrics[];

  /** Customers whose responses brought revenue (small-cohort suppression): not a field. */
  revenueCustomers: number;
}
