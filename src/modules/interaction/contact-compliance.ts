import { DataSource, EntityManager } from 'typeorm';
import { Field, ID, ObjectType } from 'type-graphql';
import { instantAndId } from '../../common/cursor-keys';
import { assertId } from '../../common/ids';
import { Connection, ConnectionType, PageArgs, toConnection, toPageRequest } from '../../common/pagination';
import { DateTimeScalar } from '../../common/scalars';
import type { ContactCapSettings } from '../../config';
import { SqlParams } from '../../db/parent-relations';
import type { RequestContext } from '../../request/context';
import { scopedCustomers } from '../customer/customer.loaders';
import { rowScopeForOperation } from '../../privacy/row-scope';
import { capPeriod, capReached, customerUsageSql } from './contact-caps';
import { Channel, ComplianceFlag, InteractionType } from './interaction.enums';
import { Interaction } from './interaction.type';

/**
 * The rules a marketing contact on `channel` at `at` would breach, in
 * PRODUCT.md §4's order: an explicit withdrawal of personalised marketing is
 * OPTED_OUT and hides the rest (it is what the caller must hear); otherwise
 * no granted marketing consent on the channel, or no personalised-marketing
 * record at all, is NO_CONSENT; and a contact beyond the customer's day or
 * month cap (contact-caps.ts) is FREQUENCY_CAPPED. Empty means the contact is
 * allowed. One statement. Inside a write, pass the transaction's
 * EntityManager, after taking the customer's contact-cap lock.
 */
export async function contactFlags(
  db: DataSource | EntityManager,
  caps: ContactCapSettings,
  customerId: string,
  channel: Channel,
  at: Date,
): Promise<ComplianceFlag[]> {
  const params = new SqlParams();
  const id = params.bind(customerId, 'uuid');
  const [facts] = await db.query(
    `WITH usage AS (${customerUsageSql(params.bind, caps, capPeriod(at, caps.timeZone), id)})
     SELECT coalesce(bool_or(k.purpose = 'PERSONALISED_MARKETING' AND NOT k.granted), false) AS "optedOut",
            coalesce(bool_or(k.purpose = 'PERSONALISED_MARKETING' AND k.granted), false) AS "personalised",
            coalesce(bool_or(k.purpose = 'MARKETING' AND k.channel = ${params.bind(channel, 'text')} AND k.granted), false)
              AS "onChannel",
            (SELECT tier FROM usage) AS tier, (SELECT today FROM usage) AS today,
            (SELECT "thisMonth" FROM usage) AS "thisMonth"
     FROM consent k WHERE k.customer_id = ${id}`,
    params.values,
  );
  if (facts.optedOut) return [ComplianceFlag.OPTED_OUT];
  const flags: ComplianceFlag[] = [];
  if (!facts.personalised || !facts.onChannel) flags.push(ComplianceFlag.NO_CONSENT);
  if (capReached(caps, facts.tier, facts)) flags.push(ComplianceFlag.FREQUENCY_CAPPED);
  return flags;
}

@ObjectType('ContactCheck', {
  simpleResolvers: true,
  description: 'Whether a campaign contact may be made now, and if not, why.',
})
export class ContactCheck {
  @Field({ description: 'True when reasons is empty.' })
  allowed: boolean;

  @Field(() => [ComplianceFlag], {
    description:
      'Every rule a contact now would breach, most serious first; a contact made anyway is recorded with these as its complianceFlags.',
  })
  reasons: ComplianceFlag[];
}

@ObjectType('InteractionException', {
  simpleResolvers: true,
  description: 'A campaign contact recorded although it breached consent or a contact cap.',
})
export class InteractionException {
  @Field(() => Interaction)
  interaction: Interaction;

  @Field(() => ID)
  customerId: string;

  @Field(() => ID)
  campaignId: string;

  @Field(() => [ComplianceFlag])
  complianceFlags: ComplianceFlag[];

  @Field({ description: "The staff member's id, or the partner's when recordedByPartner." })
  recordedBy: string;

  @Field()
  recordedByPartner: boolean;

  @Field(() => DateTimeScalar, { description: 'When the gateway stored it (occurredAt is when it happened).' })
  recordedAt: Date;
}

export const InteractionExceptionConnection = ConnectionType(InteractionException, 'InteractionException');

interface ExceptionRow {
  id: string;
  customerId: string;
  campaignId: string;
  channel: Channel;
  type: InteractionType;
  occurredAt: Date;
  summary: string | null;
  outcome: string | null;
  complianceFlags: ComplianceFlag[];
  staffId: string | null;
  partnerId: string | null;
  recordedAt: Date;
}

const EXCEPTION_COLUMNS = `i.id, i.customer_id AS "customerId", i.campaign_id AS "campaignId", i.channel, i.type,
  i.occurred_at AS "occurredAt", i.summary, i.outcome, i.compliance_flags AS "complianceFlags",
  i.staff_id AS "staffId", i.partner_id AS "partnerId", i.recorded_at AS "recordedAt"`;

export class ContactComplianceService {
  constructor(private readonly caps: ContactCapSettings) {}

  /**
   * Null, like customer(id), when the customer is missing or outside the
   * caller's scope, or is not enrolled in the campaign: the same customers
   * for which recordInteraction would answer NOT_FOUND.
   */
  async check(
    ctx: RequestContext,
    customerId: string,
    campaignId: string,
    channel: Channel,
  ): Promise<ContactCheck | null> {
    assertId('customerId', customerId);
    assertId('campaignId', campaignId);
    // Only the roles that may check a contact lend their scope (a risk officer beside one does not widen it).
    const customer = await scopedCustomers(ctx.reads, {
      scope: rowScopeForOperation(ctx.principal, ctx.privacy, 'Query', 'contactCheck'),
    })
      .andWhere('c.id = :customerId', { customerId })
      .andWhere(
        'EXISTS (SELECT 1 FROM campaign_enrollment e WHERE e.customer_id = c.id AND e.campaign_id = :campaignId)',
        { campaignId },
      )
      .select('c.id')
      .getOne();
    if (!customer) return null;
    const reasons = await contactFlags(ctx.reads, this.caps, customer.id, channel, new Date());
    return { allowed: reasons.length === 0, reasons };
  }

  /** Flagged campaign contacts, newest first (by when they happened). */
  async exceptions(ctx: RequestContext, args: PageArgs): Promise<Connection<InteractionException>> {
    const page = toPageRequest(args, instantAndId);
    const params: unknown[] = [page.limit + 1];
    const after = page.after
      ? `AND (i.occurred_at, i.id) < ($${params.push(page.after[0])}::timestamptz, $${params.push(page.after[1])}::uuid)`
      : '';
    // The WHERE matches the partial index's predicate, so both statements read flagged rows only.
    const rows: ExceptionRow[] = await ctx.reads.query(
      `SELECT ${EXCEPTION_COLUMNS} FROM interaction i
       WHERE i.compliance_flags <> '{}' ${after}
       ORDER BY i.occurred_at DESC, i.id DESC LIMIT $1`,
      params,
    );
    return toConnection(
      rows,
      page.limit,
      (r) => [r.occurredAt.toISOString(), r.id],
      toException,
      async () =>
        (await ctx.reads.query(`SELECT count(*)::int AS count FROM interaction WHERE compliance_flags <> '{}'`))[0]
          .count,
    );
  }
}

function toException(r: ExceptionRow): InteractionException {
  return {
    interaction: {
      id: r.id,
      channel: r.channel,
      type: r.type,
      occurredAt: r.occurredAt,
      summary: r.summary,
      outcome: r.outcome,
      complianceFlags: r.complianceFlags,
    },
    customerId: r.customerId,
    campaignId: r.campaignId,
    complianceFlags: r.complianceFlags,
    recordedBy: (r.staffId ?? r.partnerId)!,
    recordedByPartner: r.staffId === null,
    recordedAt: r.recordedAt,
  };
}
