import { Field, ID, ObjectType } from 'type-graphql';
import { appError, badUserInput } from '../../common/errors';
import { assertId } from '../../common/ids';
import { noteProblem } from '../../common/input-bounds';
import { DateTimeScalar, DecimalScalar } from '../../common/scalars';
import type { RequestContext } from '../../request/context';
import { AuditService } from '../audit/audit.service';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { Channel } from '../interaction/interaction.enums';
import { CampaignStatus } from './campaign.enums';

@ObjectType('CampaignCost', {
  simpleResolvers: true,
  description: 'A cost recorded against one channel of a campaign.',
})
export class CampaignCost {
  @Field(() => ID)
  id: string;

  @Field(() => Channel)
  channel: Channel;

  @Field(() => DecimalScalar)
  amount: string;

  @Field(() => String, { nullable: true })
  note: string | null;

  @Field(() => DateTimeScalar)
  recordedAt: Date;

  campaignId: string;
}

/**
 * No money is committed before approval, so a campaign takes costs from
 * APPROVED on; a COMPLETED or CANCELLED one still does, since invoices
 * arrive after a campaign ends or is called off and its ROI must count them.
 */
const TAKES_COSTS = [
  CampaignStatus.APPROVED,
  CampaignStatus.ACTIVE,
  CampaignStatus.COMPLETED,
  CampaignStatus.CANCELLED,
];

export interface CampaignCostInput {
  campaignId: string;
  channel: Channel;
  amount: string;
  note: string | null;
}

export class CampaignCostService {
  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly audit: AuditService,
  ) {}

  record(ctx: RequestContext, input: CampaignCostInput): Promise<CampaignCost> {
    assertId('campaignId', input.campaignId);
    // The scalar holds amounts to 0..999,999,999,999.99; a cost of nothing is no cost.
    if (!(Number(input.amount) > 0)) throw badUserInput('amount', 'amount must be more than 0.00');
    const problem = input.note === null ? undefined : noteProblem(input.note);
    if (problem) throw badUserInput('note', `note ${problem}`);
    return this.idempotency.run(ctx, 'recordCampaignCost', input, null, async (em) => {
      // FOR SHARE: a cancellation or completion racing this cost waits for it, and costs never wait on each other.
      const [campaign]: { status: CampaignStatus; channels: Channel[] }[] = await em.query(
        `SELECT status, channels FROM campaign WHERE id = $1 FOR SHARE`,
        [input.campaignId],
      );
      if (!campaign) throw appError('NOT_FOUND', 'No such campaign');
      if (!TAKES_COSTS.includes(campaign.status)) {
        throw appError('CONFLICT', 'Costs are recorded from APPROVED on', { currentStatus: campaign.status });
      }
      if (!campaign.channels.includes(input.channel)) {
        throw badUserInput(
          'channel',
          `channel must be one of the campaign's channels (${campaign.channels.join(', ')})`,
        );
      }
      const [cost]: CampaignCost[] = await em.query(
        `INSERT INTO campaign_cost (campaign_id, channel, amount, note, recorded_by) VALUES ($1, $2, $3, $4, $5)
         RETURNING id, campaign_id AS "campaignId", channel, amount::text AS amount, note, recorded_at AS "recordedAt"`,
        [input.campaignId, input.channel, input.amount, input.note, ctx.principal.id],
      );
      // The note is free text: the record says only whether there was one.
      await this.audit.recordMutation(em, ctx, 'recordCampaignCost', {
        campaignId: input.campaignId,
        costId: cost.id,
        channel: input.channel,
        amount: input.amount,
        noted: input.note !== null,
      });
      return cost;
    });
  }
}
