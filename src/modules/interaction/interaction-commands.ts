import { isPartner } from '../../auth/principal';
import { occurredAtProblem } from '../../common/input-bounds';
import { IsOptional, IsUUID, MaxLength } from 'class-validator';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { appError, badUserInput } from '../../common/errors';
import { DateTimeScalar } from '../../common/scalars';
import type { RequestContext } from '../../request/context';
import { AuditService } from '../audit/audit.service';
import { notFoundForPartner, writableCustomer } from '../customer/customer-access';
import { refreshSegments } from '../customer/segmentation.service';
import type { Config } from '../../config';
import { EnrollmentStatus } from '../campaign/campaign.enums';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { contactFlags } from './contact-compliance';
import { Channel, InteractionType } from './interaction.enums';

@InputType()
export class RecordInteractionInput {
  @Field({ description: 'Partners address customers by customer number.' })
  @MaxLength(32)
  customerNo: string;

  @Field(() => Channel)
  channel: Channel;

  @Field(() => InteractionType)
  type: InteractionType;

  @Field(() => DateTimeScalar)
  occurredAt: Date;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(500)
  summary?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(200)
  outcome?: string | null;

  @Field(() => ID, {
    nullable: true,
    description: 'Required for CAMPAIGN_CONTACT: the campaign whose enrolment was contacted.',
  })
  @IsOptional()
  @IsUUID()
  campaignId?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Your reference; makes a retry safe (the Idempotency-Key header wins).',
  })
  @IsOptional()
  @MaxLength(100)
  externalRef?: string | null;
}

@ObjectType('InteractionReceipt', { simpleResolvers: true })
export class InteractionReceipt {
  @Field(() => ID)
  id: string;
}

/** What a partner may record (PRODUCT.md §4); responses go through recordCampaignResponse. */
const PARTNER_CHANNELS: ReadonlySet<Channel> = new Set([Channel.PARTNER]);
const PARTNER_TYPES: ReadonlySet<InteractionType> = new Set([InteractionType.INQUIRY, InteractionType.PRODUCT_VIEW]);

function refusePartnerRecord(input: RecordInteractionInput): void {
  if (!PARTNER_CHANNELS.has(input.channel)) {
    throw badUserInput('input.channel', `Partners record interactions on channel ${[...PARTNER_CHANNELS].join(', ')}`);
  }
  if (!PARTNER_TYPES.has(input.type)) {
    throw badUserInput('input.type', `Partners record interactions of type ${[...PARTNER_TYPES].join(' or ')}`);
  }
}

export class InteractionCommandService {
  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly audit: AuditService,
    private readonly config: Config,
  ) {}

  /** Interactions are append-only; partners may write them for consenting customers. */
  record(ctx: RequestContext, input: RecordInteractionInput): Promise<InteractionReceipt> {
    const partner = isPartner(ctx.principal);
    // Before any read, so that a refused input tells a partner nothing about the customer.
    if (partner) refusePartnerRecord(input);
    const tooEarlyOrLate = occurredAtProblem(input.occurredAt);
    if (tooEarlyOrLate) throw badUserInput('input.occurredAt', `occurredAt ${tooEarlyOrLate}`);
    if (input.type === InteractionType.CAMPAIGN_CONTACT && !input.campaignId) {
      throw badUserInput('input.campaignId', 'A CAMPAIGN_CONTACT names its campaign');
    }
    return this.idempotency.run(ctx, 'recordInteraction', input, input.externalRef, async (em) => {
      const customer = await writableCustomer(em, ctx, { customerNo: input.customerNo }, 'recordInteraction');
      // An interaction names a campaign only for a customer enrolled in it (and the campaign must exist at all).
      if (input.campaignId) {
        const [enrolment] = await em.query(
          `SELECT status FROM campaign_enrollment WHERE campaign_id = $1 AND customer_id = $2`,
          [input.campaignId, customer.id],
        );
        // As in recordCampaignResponse, a partner cannot tell a customer who left the campaign from one never in it.
        if (partner && (!enrolment || enrolment.status === EnrollmentStatus.OPTED_OUT)) throw notFoundForPartner();
        if (!enrolment) throw appError('NOT_FOUND', 'The customer is not enrolled in this campaign');
      }
      // A campaign contact is checked against consent as it is recorded. It already happened, so a breach is
      // kept as evidence with its flags rather than refused; only a compliant contact advances the enrolment.
      const campaignContact = input.type === InteractionType.CAMPAIGN_CONTACT;
      const complianceFlags = campaignContact ? await contactFlags(em, customer.id, input.channel) : [];
      const [row] = await em.query(
        `INSERT INTO interaction (customer_id, channel, type, occurred_at, summary, outcome, staff_id, partner_id, campaign_id, compliance_flags)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text[]) RETURNING id`,
        [
          customer.id,
          input.channel,
          input.type,
          input.occurredAt,
          input.summary ?? null,
          input.outcome ?? null,
          partner ? null : ctx.principal.id,
          partner ? ctx.principal.id : null,
          input.campaignId ?? null,
          complianceFlags,
        ],
      );
      if (campaignContact && complianceFlags.length === 0) {
        // The enrolment moves to CONTACTED; later stages and opt-outs are left as they are.
        await em.query(
          `UPDATE campaign_enrollment SET status = 'CONTACTED', contacted_at = $3, updated_at = now()
           WHERE campaign_id = $1 AND customer_id = $2 AND status = 'TARGETED'`,
          [input.campaignId, customer.id, input.occurredAt],
        );
      }
      // Logins and transactions decide the lifecycle stage; keep it true as they arrive.
      await refreshSegments(em, this.config, new Date(), [customer.id]);
      await this.audit.recordMutation(
        em,
        ctx,
        'recordInteraction',
        campaignContact
          ? { interactionId: row.id, type: input.type, campaignId: input.campaignId, complianceFlags }
          : { interactionId: row.id, type: input.type },
        customer.id,
      );
      return { id: row.id };
    });
  }
}
