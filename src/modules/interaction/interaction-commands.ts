import { isPartner } from '../../auth/principal';
import { occurredAtProblem } from '../../common/input-bounds';
import { IsOptional, IsUUID, MaxLength } from 'class-validator';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import type { EntityManager } from 'typeorm';
import { appError, badUserInput } from '../../common/errors';
import { DateTimeScalar } from '../../common/scalars';
import type { RequestContext } from '../../request/context';
import { SqlParams } from '../../db/parent-relations';
import { preparedQuery } from '../../db/prepared-statements';
import { mutationRecordSql } from '../audit/mutation-record';
import { customerNotFound, notFoundForPartner, writableCustomerSql } from '../customer/customer-access';
import { segmentRefreshRequestSql } from '../customer/segment-refresh-request';
import { SEGMENT_FACT_INTERACTION_TYPES } from '../customer/segmentation.service';
import { EnrollmentStatus } from '../campaign/campaign.enums';
import { IdempotencyService } from '../idempotency/idempotency.service';
import type { ContactCapSettings } from '../../config';
import { contactCapLockSql } from './contact-caps';
import { contactFlags } from './contact-compliance';
import { Channel, ComplianceFlag, InteractionType } from './interaction.enums';

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

const OPERATION = 'recordInteraction';

/**
 * What a partner's recordInteraction sends on its request path (issue #18:
 * at most 5 statements besides BEGIN and COMMIT), in its transaction:
 *   1. the idempotency claim (IdempotencyService.run);
 *   2. one statement that finds the customer the caller may write to, inserts
 *      the interaction, writes the audit record and, for an interaction the
 *      segment facts read, queues the customer's segment refresh
 *      (writeInteraction);
 *   3. the stored response (IdempotencyService.run).
 * An interaction that names a campaign first reads the customer with their
 * enrolment (one more; a CAMPAIGN_CONTACT takes the customer's contact-cap
 * lock in it), and a staff CAMPAIGN_CONTACT reads the consent facts and the
 * contacts counted against its caps (one more). The segment and rule-tag refresh runs after commit, batched per
 * customer (SegmentRefresher); the outbox event is written by a trigger.
 */
export class InteractionCommandService {
  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly caps: ContactCapSettings,
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
    return this.idempotency.run(ctx, OPERATION, input, input.externalRef, async (em) => {
      if (input.campaignId) return recordForCampaign(em, ctx, this.caps, input, input.campaignId);
      // No row written means no customer the caller may write to.
      const params = new SqlParams();
      const receipt = await writeInteraction(em, ctx, input, params, writableTargetSql(ctx, input.customerNo, params));
      if (!receipt) throw customerNotFound(ctx);
      return receipt;
    });
  }
}

/** The customer (one column, id) that the caller may write to with this customer number. */
function writableTargetSql(ctx: RequestContext, customerNo: string, params: SqlParams): string {
  return `SELECT c.id FROM customer c
    WHERE c.customer_no = ${params.bind(customerNo, 'text')} AND ${writableCustomerSql(ctx, OPERATION, 'c', params.bind)}`;
}

/** An interaction that names a campaign, which it may only for a customer enrolled in it. */
async function recordForCampaign(
  em: EntityManager,
  ctx: RequestContext,
  caps: ContactCapSettings,
  input: RecordInteractionInput,
  campaignId: string,
): Promise<InteractionReceipt> {
  const partner = isPartner(ctx.principal);
  const campaignContact = input.type === InteractionType.CAMPAIGN_CONTACT;
  const lookup = new SqlParams();
  // A campaign contact takes its customer's contact-cap lock here, before the next statement counts the slots.
  const lock = campaignContact ? `, ${contactCapLockSql(lookup.bind, 't.id')}` : '';
  const [found]: { id: string; enrolment: EnrollmentStatus | null }[] = await em.query(
    `WITH target AS (${writableTargetSql(ctx, input.customerNo, lookup)})
     SELECT t.id, e.status AS enrolment${lock} FROM target t
     LEFT JOIN campaign_enrollment e ON e.customer_id = t.id AND e.campaign_id = ${lookup.bind(campaignId, 'uuid')}`,
    lookup.values,
  );
  if (!found) throw customerNotFound(ctx);
  // As in recordCampaignResponse, a partner cannot tell a customer who left the campaign from one never in it.
  if (partner && (!found.enrolment || found.enrolment === EnrollmentStatus.OPTED_OUT)) throw notFoundForPartner();
  if (!found.enrolment) throw appError('NOT_FOUND', 'The customer is not enrolled in this campaign');
  // A campaign contact is checked against consent and caps as it is recorded. It already happened, so a breach
  // is kept as evidence with its flags rather than refused; only a compliant contact advances the enrolment.
  const complianceFlags = campaignContact
    ? await contactFlags(em, caps, found.id, input.channel, input.occurredAt)
    : [];
  const params = new SqlParams();
  const receipt = await writeInteraction(em, ctx, input, params, `SELECT ${params.bind(found.id, 'uuid')} AS id`, {
    complianceFlags,
    campaignContact,
  });
  if (!receipt) throw customerNotFound(ctx);
  return receipt;
}

/**
 * One statement: the interaction for the customer `target` yields (none: no
 * row written, undefined returned), with what the write entails, each a part
 * of the same statement so that it costs no round trip of its own: a
 * compliant campaign contact moves the enrolment to CONTACTED (later stages
 * and opt-outs are left as they are); the mutation's audit record; for an
 * interaction the segment facts read (a login, a transaction, a complaint),
 * the customer queued for the segment refresh (it runs after commit, see
 * requestSegmentRefresh for why the request is taken in this transaction).
 */
async function writeInteraction(
  em: EntityManager,
  ctx: RequestContext,
  input: RecordInteractionInput,
  params: SqlParams,
  target: string,
  {
    complianceFlags = [],
    campaignContact = false,
  }: { complianceFlags?: ComplianceFlag[]; campaignContact?: boolean } = {},
): Promise<InteractionReceipt | undefined> {
  const bind = params.bind;
  const partner = isPartner(ctx.principal);
  const detail = campaignContact
    ? { type: input.type, campaignId: input.campaignId, complianceFlags }
    : { type: input.type };
  const contacted =
    campaignContact && complianceFlags.length === 0
      ? `contacted AS (
           UPDATE campaign_enrollment e SET status = 'CONTACTED', contacted_at = r.occurred_at, updated_at = now()
           FROM recorded r WHERE e.campaign_id = r.campaign_id AND e.customer_id = r.customer_id AND e.status = 'TARGETED'
         ),`
      : '';
  const queued = SEGMENT_FACT_INTERACTION_TYPES.has(input.type)
    ? `, queued AS (${segmentRefreshRequestSql('SELECT customer_id FROM recorded')})`
    : '';
  // Named: its text is fixed by the caller's kind and the interaction's, every value bound. Planned once per
  // connection with the claim and the stored response, W3's PostgreSQL CPU per write fell from 1.7-1.8 ms to 1.0-1.3.
  const [row] = await preparedQuery<{ id: string }>(
    em,
    `WITH target AS (${target}),
     recorded AS (
       INSERT INTO interaction (customer_id, channel, type, occurred_at, summary, outcome, staff_id, partner_id, campaign_id, compliance_flags)
       SELECT id, ${bind(input.channel, 'text')}, ${bind(input.type, 'text')}, ${bind(input.occurredAt, 'timestamptz')},
              ${bind(input.summary ?? null, 'text')}, ${bind(input.outcome ?? null, 'text')},
              ${bind(partner ? null : ctx.principal.id, 'uuid')}, ${bind(partner ? ctx.principal.id : null, 'text')},
              ${bind(input.campaignId ?? null, 'uuid')}, ${bind(complianceFlags, 'text[]')}
       FROM target
       RETURNING id, customer_id, campaign_id, occurred_at
     ),
     ${contacted}
     audited AS (${mutationRecordSql(ctx, OPERATION, bind, {
       customerId: 'r.customer_id',
       detail: `jsonb_build_object('interactionId', r.id) || ${bind(JSON.stringify(detail), 'jsonb')}`,
       from: 'recorded r',
     })})${queued}
     SELECT id FROM recorded`,
    params.values,
  );
  return row && { id: row.id };
}
