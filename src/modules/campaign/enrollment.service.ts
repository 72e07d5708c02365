import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { appError, badUserInput } from '../../common/errors';
import { assertId } from '../../common/ids';
import { Connection, PageArgs, toConnection, toPageRequest } from '../../common/pagination';
import type { RequestContext } from '../../request/context';
import { SqlParams } from '../../db/parent-relations';
import { RowScope, rowScopeForOperation, scopeSql } from '../../privacy/row-scope';
import type { ContactCapSettings } from '../../config';
import { AuditService } from '../audit/audit.service';
import { CapPeriod, capPeriod, contactUsageSql, monthlyCapSql } from '../interaction/contact-caps';
import { SegmentCriteria, segmentConditions } from '../customer/segment-criteria';
import { SENIOR_AGE } from '../customer/segmentation.rules';
import { lockCampaign } from './campaign-lock';
import { CampaignStatus } from './campaign.enums';
import { EnrollmentResult, SkippedCustomer, SkipReason } from './enrollment.type';

const MAX_LISTED_CUSTOMERS = 10_000;
/** Nobody younger is marketed to, whatever the product (PRODUCT.md §4). */
const ADULT_AGE = 18;
/** Products above this risk level are never offered to customers aged SENIOR_AGE or more. */
const AGE_RESTRICTED_ABOVE = 'R3';

/**
 * Enrols customers in a campaign, set-based: one SQL statement decides every
 * candidate's fate in the brief's order of skip reasons, screening included,
 * inserts the eligible (ON CONFLICT DO NOTHING, so a re-run or a concurrent
 * run enrols nobody twice) and records the skipped, whether the candidates
 * are 10 or 100,000. A customer is enrolled on the first campaign channel
 * they consented to. The campaign's segment means what the `customers`
 * filter means (segmentConditions).
 */
export class EnrollmentService {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditService,
    private readonly caps: ContactCapSettings,
  ) {}

  async enroll(ctx: RequestContext, campaignId: string, customerIds: string[] | null): Promise<EnrollmentResult> {
    assertId('campaignId', campaignId);
    if (customerIds) {
      if (customerIds.length > MAX_LISTED_CUSTOMERS) {
        throw badUserInput(
          'customerIds',
          `at most ${MAX_LISTED_CUSTOMERS} ids; use the campaign's target criteria for more`,
        );
      }
      customerIds.forEach((id) => assertId('customerIds', id));
    }
    const runId = randomUUID();
    return this.ds.transaction(async (em) => {
      // Serialises runs on one campaign with its lifecycle transitions.
      const campaign = await lockCampaign(em, campaignId);
      if (campaign.status !== CampaignStatus.APPROVED && campaign.status !== CampaignStatus.ACTIVE) {
        throw appError(
          'CONFLICT',
          `Customers are enrolled while a campaign is APPROVED or ACTIVE, not ${campaign.status}`,
          {
            currentStatus: campaign.status,
          },
        );
      }
      const params = new SqlParams();
      const sql = enrollSql(params.bind, {
        campaignId: campaign.id,
        channels: campaign.channels,
        customerIds,
        listedScope: rowScopeForOperation(ctx.principal, ctx.privacy, 'Mutation', 'enrollCustomers'),
        segment: {
          tiers: campaign.targetTiers,
          lifecycleStages: campaign.targetLifecycleStages,
          tagCodes: campaign.targetTagCodes,
          aumMin: campaign.targetAumMin,
          aumMax: campaign.targetAumMax,
        },
        productId: campaign.productId,
        today: ctx.today,
        caps: this.caps,
        capPeriod: capPeriod(new Date(), this.caps.timeZone),
        runId,
      });
      const [{ enrolled, skipped, causes }] = await em.query(sql, params.values);
      const counts = Object.values(SkipReason)
        .filter((reason) => skipped?.[reason])
        .map((reason) => ({ reason, count: Number(skipped[reason]) }));
      await this.audit.recordMutation(em, ctx, 'enrollCustomers', {
        campaignId,
        runId,
        byIds: customerIds !== null,
        enrolled: Number(enrolled),
        skipped: Object.fromEntries(counts.map((c) => [c.reason, c.count])),
        // The caller sees NOT_ELIGIBLE only; the record keeps why (PRODUCT.md §4).
        notEligibleBy: Object.fromEntries(
          Object.values(NotEligibleCause).map((cause) => [cause, Number(causes?.[cause] ?? 0)]),
        ),
      });
      return { runId, enrolled: Number(enrolled), skipped: counts };
    });
  }

  /**
   * The skipped customers of a run, but those who opted out: they are counted
   * (EnrollmentResult.skipped) and never listed to the marketing caller
   * (PRODUCT.md §2: a withdrawal of personalised marketing takes the customer
   * out of marketing's sight).
   */
  async skippedCustomers(runId: string, args: PageArgs): Promise<Connection<SkippedCustomer>> {
    const page = toPageRequest(args, ([no]) => (typeof no === 'string' && !no.includes('\0') ? no : undefined));
    const rows: SkippedCustomer[] = await this.ds.query(
      `SELECT s.customer_id AS "customerId", c.customer_no AS "customerNo", s.reason
       FROM enrollment_skip s JOIN customer c ON c.id = s.customer_id
       WHERE s.run_id = $1 AND s.reason <> 'OPTED_OUT' AND ($2::text IS NULL OR c.customer_no > $2)
       ORDER BY c.customer_no LIMIT $3`,
      [runId, page.after ?? null, page.limit + 1],
    );
    return toConnection(
      rows,
      page.limit,
      (r) => [r.customerNo],
      (r) => r,
      async () => {
        const [{ count }] = await this.ds.query(
          `SELECT count(*)::int AS count FROM enrollment_skip WHERE run_id = $1 AND reason <> 'OPTED_OUT'`,
          [runId],
        );
        return count;
      },
    );
  }
}

/** Why a customer is NOT_ELIGIBLE: for the audit record only, never for the marketing caller. */
enum NotEligibleCause {
  AML_HIGH = 'AML_HIGH',
}

interface EnrollRun {
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
  listedScope: RowScope;
  segment: SegmentCriteria;
  /** Suitability and the 65+ rule apply only with a product. */
  productId: string | null;
  /** The business date, for ages and assessment validity. */
  today: string;
  /** A customer whose monthly contact cap is reached in this period is FREQUENCY_CAPPED. */
  caps: ContactCapSettings;
  capPeriod: CapPeriod;
  runId: string;
}

/**
 * One statement: the candidates, the first skip reason that applies to each
 * (in SkipReason's order), the inserted enrolments and the recorded skips,
 * returning the counts per reason and per NOT_ELIGIBLE cause.
 */
function enrollSql(bind: SqlParams['bind'], run: EnrollRun): string {
  const campaign = bind(run.campaignId, 'uuid');
  const today = bind(run.today, 'date');
  const listed = run.customerIds ? `SELECT unnest(${bind(run.customerIds, 'uuid[]')})` : undefined;
  const candidates = run.customerIds
    ? `c.id = ANY(${bind(run.customerIds, 'uuid[]')}) AND ${scopeSql(run.listedScope, 'c', bind)}`
    : ['true', ...segmentConditions(run.segment, bind)].join(' AND ');
  return `
WITH candidates AS (
  SELECT c.id, c.birth_date, c.kyc_status, c.personalised_marketing_withdrawn, c.tier FROM customer c WHERE ${candidates}
),
-- Contact caps (contact-caps.ts): this month's allowed campaign contacts, of the listed customers or of everyone.
contact_usage AS (${contactUsageSql(bind, run.caps, run.capPeriod, listed)}),
facts AS (
  SELECT cand.id, cand.kyc_status, cand.personalised_marketing_withdrawn,
    cand.tier, coalesce(usage.this_month, 0) AS contacts_this_month,
    (SELECT u.channel FROM unnest(${bind(run.channels, 'text[]')}) WITH ORDINALITY AS u(channel, position)
      WHERE EXISTS (SELECT 1 FROM consent k WHERE k.customer_id = cand.id AND k.purpose = 'MARKETING'
                    AND k.channel = u.channel AND k.granted)
      ORDER BY u.position LIMIT 1) AS channel,
    EXISTS (SELECT 1 FROM consent k WHERE k.customer_id = cand.id AND k.purpose = 'PERSONALISED_MARKETING' AND k.granted)
      AS personalised_allowed,
    risk.risk_tolerance, risk.valid_until, risk.aml_rating,
    extract(year FROM age(${today}, cand.birth_date)) AS age,
    EXISTS (SELECT 1 FROM campaign_enrollment e WHERE e.campaign_id = ${campaign} AND e.customer_id = cand.id)
      AS already_enrolled
  FROM candidates cand
  LEFT JOIN contact_usage usage ON usage.customer_id = cand.id
  -- The current assessment is the latest, as in the customer's riskProfile.
  LEFT JOIN LATERAL (
    SELECT ra.risk_tolerance, ra.valid_until, ra.aml_rating FROM risk_assessment ra WHERE ra.customer_id = cand.id
    ORDER BY ra.assessed_at DESC, ra.id DESC LIMIT 1
  ) risk ON true
),
decided AS (
  SELECT f.id, f.channel, CASE
    WHEN f.personalised_marketing_withdrawn THEN 'OPTED_OUT'
    WHEN f.channel IS NULL OR NOT f.personalised_allowed THEN 'NO_CONSENT'
    WHEN f.aml_rating = 'HIGH' THEN 'NOT_ELIGIBLE'
    WHEN f.kyc_status <> 'VERIFIED' THEN 'KYC_NOT_CURRENT'
    WHEN f.contacts_this_month >= ${monthlyCapSql(bind, run.caps, 'f.tier')} THEN 'FREQUENCY_CAPPED'
    WHEN p.id IS NOT NULL AND f.valid_until >= ${today}
         AND substr(f.risk_tolerance, 2)::int < substr(p.risk_level, 2)::int THEN 'UNSUITABLE'
    WHEN p.id IS NOT NULL AND f.risk_tolerance IS NULL THEN 'NO_ASSESSMENT'
    WHEN p.id IS NOT NULL AND f.valid_until < ${today} THEN 'ASSESSMENT_EXPIRED'
    WHEN f.age < ${bind(ADULT_AGE, 'int')} THEN 'AGE_RESTRICTED'
    WHEN p.id IS NOT NULL AND f.age >= ${bind(SENIOR_AGE, 'int')}
         AND p.risk_level > ${bind(AGE_RESTRICTED_ABOVE, 'text')} THEN 'AGE_RESTRICTED'
    WHEN f.already_enrolled THEN 'ALREADY_ENROLLED'
  END AS reason,
  f.aml_rating
  FROM facts f LEFT JOIN product p ON p.id = ${bind(run.productId, 'uuid')}
),
inserted AS (
  INSERT INTO campaign_enrollment (campaign_id, customer_id, channel)
  SELECT ${campaign}, d.id, d.channel FROM decided d WHERE d.reason IS NULL
  ON CONFLICT (campaign_id, customer_id) DO NOTHING
  RETURNING 1
),
skipped AS (
  INSERT INTO enrollment_skip (run_id, customer_id, campaign_id, reason)
  SELECT ${bind(run.runId, 'uuid')}, d.id, ${campaign}, d.reason FROM decided d WHERE d.reason IS NOT NULL
  RETURNING reason
)
SELECT (SELECT count(*) FROM inserted)::int AS enrolled,
       (SELECT json_object_agg(reason, n) FROM (SELECT reason, count(*) AS n FROM skipped GROUP BY reason) s) AS skipped,
       (SELECT json_object_agg(cause, n) FROM (
          SELECT CASE WHEN d.aml_rating = 'HIGH' THEN '${NotEligibleCause.AML_HIGH}' END AS cause, count(*) AS n
          FROM decided d WHERE d.reason = 'NOT_ELIGIBLE' GROUP BY 1) x) AS causes`;
}
