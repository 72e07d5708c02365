import type { SqlParams } from '../../db/parent-relations';
import { RowScope, scopeSql } from '../../privacy/row-scope';
import { SegmentCriteria, segmentConditions } from '../customer/segment-criteria';
import { SENIOR_AGE } from '../customer/segmentation.rules';
import type { ContactCapSettings } from '../../config';
import { capPeriodOf, contactUsageSql, monthlyCapSql } from '../interaction/contact-caps';
import { SkipReason } from './enrollment.type';

/** Nobody younger is marketed to, whatever the product (PRODUCT.md §4). */
const ADULT_AGE = 18;
/** Products above this risk level are never offered to customers aged SENIOR_AGE or more. */
const AGE_RESTRICTED_ABOVE = 'R3';

/** Why a customer is NOT_ELIGIBLE: for the audit record only, never for the marketing caller. */
export enum NotEligibleCause {
  AML_HIGH = 'AML_HIGH',
}

/**
 * What the rules read, per candidate (the `f` row of the screening
 * statement): the customer's own columns, their consents, their latest risk
 * assessment, their age on the business date and whether they are enrolled
 * already. `p` is the campaign's product (no row without one).
 */
interface RuleSql {
  /** The business date's placeholder. */
  today: string;
  bind: SqlParams['bind'];
  /** Null: no contact caps (ScreeningChunk.caps). */
  caps: ContactCapSettings | null;
}

/**
 * The screening rules, in the order PRODUCT.md §4 lists the skip reasons:
 * each candidate is reported with the first that applies, and enrolled when
 * none does. A new rule is one more entry here (and, if it needs a fact the
 * rules do not read yet, one more column of `facts` below). A rule whose
 * `when` is null is not in the statement.
 */
export const SCREENING_RULES: readonly { reason: SkipReason; when: (sql: RuleSql) => string | null }[] = [
  { reason: SkipReason.OPTED_OUT, when: () => `f.personalised_marketing_withdrawn` },
  { reason: SkipReason.NO_CONSENT, when: () => `f.channel IS NULL OR NOT f.personalised_allowed` },
  { reason: SkipReason.NOT_ELIGIBLE, when: () => `f.aml_rating = 'HIGH'` },
  { reason: SkipReason.KYC_NOT_CURRENT, when: () => `f.kyc_status <> 'VERIFIED'` },
  {
    reason: SkipReason.FREQUENCY_CAPPED,
    when: ({ bind, caps }) => (caps ? `f.contacts_this_month >= ${monthlyCapSql(bind, caps, 'f.tier')}` : null),
  },
  {
    reason: SkipReason.UNSUITABLE,
    when: ({ today }) =>
      `p.id IS NOT NULL AND f.valid_until >= ${today} AND substr(f.risk_tolerance, 2)::int < substr(p.risk_level, 2)::int`,
  },
  { reason: SkipReason.NO_ASSESSMENT, when: () => `p.id IS NOT NULL AND f.risk_tolerance IS NULL` },
  { reason: SkipReason.ASSESSMENT_EXPIRED, when: ({ today }) => `p.id IS NOT NULL AND f.valid_until < ${today}` },
  { reason: SkipReason.AGE_RESTRICTED, when: ({ bind }) => `f.age < ${bind(ADULT_AGE, 'int')}` },
  {
    reason: SkipReason.AGE_RESTRICTED,
    when: ({ bind }) =>
      `p.id IS NOT NULL AND f.age >= ${bind(SENIOR_AGE, 'int')} AND p.risk_level > ${bind(AGE_RESTRICTED_ABOVE, 'text')}`,
  },
  { reason: SkipReason.ALREADY_ENROLLED, when: () => `f.already_enrolled` },
];

/**
 * Which part of the book a chunk screens (EnrollmentJob.plan). `plannedAt`
 * is the oldest transaction the run's plan could not see (its snapshot's
 * xmin): a customer row written by an older one existed at the plan.
 * - ids: the customers whose id is in [fromId, toId) (null: unbounded), as
 *   they are when the range runs. An id never changes, so each customer of
 *   the book is in exactly one range, whenever it runs and however often the
 *   row is rewritten.
 * - sweep: the rows newer than the plan whose customer this run has not
 *   screened yet (no skip row of the run, no enrolment made by it): the
 *   customers added, since the plan, to a range already done. It runs once
 *   every range is done.
 */
export type BookPart =
  | { kind: 'ids'; fromId: string | null; toId: string | null; plannedAt: string }
  | { kind: 'sweep'; plannedAt: string };

export interface ScreeningChunk {
  runId: string;
  campaignId: string;
  /** In order of preference. */
  channels: readonly string[];
  /** The listed customers, or null for the campaign's segment. */
  customerIds: string[] | null;
  /**
   * Listed customers outside it are left out like ids of no one: a list of one
   * would otherwise tell marketing whether a customer it cannot see (one who
   * withdrew personalised marketing) exists. The segment is counted whole.
   */
  listedScope: RowScope | null;
  segment: SegmentCriteria;
  /** Suitability and the 65+ rule apply only with a product. */
  productId: string | null;
  /** The business date of the request that started the run, for ages, assessment validity and the cap's month. */
  today: string;
  /**
   * Null: screened without contact caps, so neither the FREQUENCY_CAPPED rule
   * nor the count of the month's contacts is in the statement (what the W4
   * benchmark compares a capped run with).
   */
  caps: ContactCapSettings | null;
  /** Null for listed customers (customerIds), screened all at once. */
  part: BookPart | null;
  /** The run's part (enrollment_run_chunk.seq) the skips are recorded under. */
  partSeq: number;
}

/**
 * One statement for one part of the book (or the listed customers): the
 * candidates, the first skip reason that applies to each (SCREENING_RULES),
 * the inserted enrolments (ON CONFLICT DO NOTHING, so nobody is enrolled
 * twice; each names the run) and the recorded skips (one row per reason),
 * returning the counts per reason and per NOT_ELIGIBLE cause.
 *
 * A range of ids reads each table's part of it in one walk of a covering
 * index (customer, consent, risk_assessment, the month's contacts): ids are
 * random UUIDs, so probing each candidate's facts read about one index leaf
 * page per candidate and index, and every range read each index whole
 * (bench/results/enrollment-run.md, 2026-12-02). Listed customers and the
 * sweep, few, are probed (= ANY of their ids).
 */
export function screeningSql(bind: SqlParams['bind'], chunk: ScreeningChunk): string {
  const campaign = bind(chunk.campaignId, 'uuid');
  const run = bind(chunk.runId, 'uuid');
  const today = bind(chunk.today, 'date');
  const channels = bind(chunk.channels, 'text[]');
  const candidates = [
    ...(chunk.customerIds ? [`c.id = ANY(${bind(chunk.customerIds, 'uuid[]')})`] : []),
    ...(chunk.part ? partSql(bind, chunk.part, run, campaign) : []),
    ...(chunk.customerIds
      ? [scopeSql(chunk.listedScope ?? { all: true }, 'c', bind)]
      : segmentConditions(chunk.segment, bind)),
  ].join(' AND ');
  const rule = { today, bind, caps: chunk.caps };
  const reason = `CASE ${SCREENING_RULES.flatMap((r) => {
    const when = r.when(rule);
    return when === null ? [] : [`WHEN ${when} THEN '${r.reason}'`];
  }).join(' ')} END`;
  // Which customers' facts the statement reads, as a condition on a table's customer column.
  const ofCandidates = (column: string) =>
    chunk.part?.kind === 'ids'
      ? idRangeSql(bind, chunk.part, column).join(' AND ') || 'true'
      : `${column} = ANY(ARRAY(SELECT id FROM candidates))`;
  const usage = chunk.caps
    ? {
        // This month's allowed campaign contacts of the range's candidates (contact-caps.ts, the one count).
        cte: `contact_usage AS (${contactUsageSql(bind, chunk.caps, capPeriodOf(chunk.today), ofCandidates('i.customer_id'))}),`,
        column: 'coalesce(u.this_month, 0) AS contacts_this_month,',
        join: 'LEFT JOIN contact_usage u ON u.customer_id = cand.id',
      }
    : { cte: '', column: '', join: '' };
  return `
WITH candidates AS (
  SELECT c.id, c.birth_date, c.kyc_status, c.personalised_marketing_withdrawn, c.tier FROM customer c WHERE ${candidates}
),
${usage.cte}
-- Only granted consents count (consent_granted_customer_idx holds them).
consents AS (
  SELECT k.customer_id, bool_or(k.purpose = 'PERSONALISED_MARKETING') AS personalised_allowed,
    min(array_position(${channels}, k.channel)) FILTER (WHERE k.purpose = 'MARKETING') AS channel_position
  FROM consent k WHERE k.granted AND ${ofCandidates('k.customer_id')}
  GROUP BY k.customer_id
),
-- The current assessment is the latest, as in the customer's riskProfile.
latest AS (
  SELECT DISTINCT ON (ra.customer_id) ra.customer_id, ra.risk_tolerance, ra.valid_until, ra.aml_rating
  FROM risk_assessment ra WHERE ${ofCandidates('ra.customer_id')}
  ORDER BY ra.customer_id, ra.assessed_at DESC, ra.id DESC
),
facts AS (
  SELECT cand.id, cand.kyc_status, cand.personalised_marketing_withdrawn, cand.tier,
    ${usage.column}
    (${channels})[k.channel_position] AS channel,
    coalesce(k.personalised_allowed, false) AS personalised_allowed,
    r.risk_tolerance, r.valid_until, r.aml_rating,
    extract(year FROM age(${today}, cand.birth_date)) AS age,
    EXISTS (SELECT 1 FROM campaign_enrollment e WHERE e.campaign_id = ${campaign} AND e.customer_id = cand.id)
      AS already_enrolled
  FROM candidates cand
  LEFT JOIN consents k ON k.customer_id = cand.id
  LEFT JOIN latest r ON r.customer_id = cand.id
  ${usage.join}
),
decided AS (
  SELECT f.id, f.channel, ${reason} AS reason, f.aml_rating
  FROM facts f LEFT JOIN product p ON p.id = ${bind(chunk.productId, 'uuid')}
),
inserted AS (
  INSERT INTO campaign_enrollment (campaign_id, customer_id, channel, run_id)
  SELECT ${campaign}, d.id, d.channel, ${run} FROM decided d WHERE d.reason IS NULL
  ON CONFLICT (campaign_id, customer_id) DO NOTHING
  RETURNING 1
),
-- One row per reason: a row per customer wrote ~9 times the rows a range enrols, each with its index entries.
-- The ids in no order (hashed by reason, not sorted): readers order skipped customers by their number.
skipped AS (
  INSERT INTO enrollment_skip (run_id, part, campaign_id, reason, customer_ids)
  SELECT ${run}, ${bind(chunk.partSeq, 'int')}, ${campaign}, d.reason, array_agg(d.id)
  FROM decided d WHERE d.reason IS NOT NULL GROUP BY d.reason
  RETURNING reason, cardinality(customer_ids) AS n
)
SELECT (SELECT count(*) FROM inserted)::int AS enrolled,
       (SELECT coalesce(json_object_agg(reason, n), '{}') FROM skipped) AS skipped,
       (SELECT coalesce(json_object_agg(cause, n), '{}') FROM (
          SELECT CASE WHEN d.aml_rating = 'HIGH' THEN '${NotEligibleCause.AML_HIGH}' END AS cause, count(*) AS n
          FROM decided d WHERE d.reason = 'NOT_ELIGIBLE' GROUP BY 1) x) AS causes`;
}

/** The conditions on `c` (customer) that select a part of the book (BookPart). */
function partSql(bind: SqlParams['bind'], part: BookPart, run: string, campaign: string): string[] {
  if (part.kind === 'ids') return idRangeSql(bind, part, 'c.id');
  // age() counts back from the current transaction, so an older xmin has the greater age (frozen rows the greatest).
  return [
    `NOT (age(c.xmin) > age(${bind(part.plannedAt, 'xid8')}::xid))`,
    `NOT EXISTS (SELECT 1 FROM enrollment_skip_row s WHERE s.run_id = ${run} AND s.customer_id = c.id)`,
    `NOT EXISTS (SELECT 1 FROM campaign_enrollment e WHERE e.campaign_id = ${campaign} AND e.customer_id = c.id AND e.run_id = ${run})`,
  ];
}

/** A range of ids as bounds on `column`, which an index on it walks in one range. */
function idRangeSql(bind: SqlParams['bind'], part: { fromId: string | null; toId: string | null }, column: string) {
  return [
    ...(part.fromId === null ? [] : [`${column} >= ${bind(part.fromId, 'uuid')}`]),
    ...(part.toId === null ? [] : [`${column} < ${bind(part.toId, 'uuid')}`]),
  ];
}
