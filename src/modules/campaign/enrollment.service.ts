import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { appError, badUserInput } from '../../common/errors';
import { assertId } from '../../common/ids';
import { Connection, PageArgs, toConnection, toPageRequest } from '../../common/pagination';
import type { RequestContext } from '../../request/context';
import { AuditService } from '../audit/audit.service';
import { lockCampaign } from './campaign-lock';
import { CampaignStatus } from './campaign.enums';
import { EnrollmentResult, SkippedCustomer, SkipReason } from './enrollment.type';

const MAX_LISTED_CUSTOMERS = 10_000;
const AGE_LIMIT = 65;
/** Products above this risk level are never offered to customers aged AGE_LIMIT or more. */
const AGE_RESTRICTED_ABOVE = 'R3';

/**
 * Enrols customers in a campaign, set-based: one SQL statement decides every
 * candidate's fate in the brief's order of skip reasons, inserts the
 * eligible (ON CONFLICT DO NOTHING, so a re-run or a concurrent run enrols
 * nobody twice) and records the skipped, whether the candidates are 10 or
 * 100,000. A customer is enrolled on the first campaign channel they
 * consented to.
 */
export class EnrollmentService {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditService,
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
      const [{ enrolled, skipped }] = await em.query(ENROLL_SQL, [
        campaign.id,
        campaign.channels,
        customerIds,
        campaign.targetTiers,
        campaign.targetLifecycleStages,
        campaign.targetTagCodes,
        campaign.targetAumMin,
        campaign.targetAumMax,
        campaign.productId,
        ctx.today,
        runId,
        AGE_LIMIT,
        AGE_RESTRICTED_ABOVE,
      ]);
      const counts = Object.values(SkipReason)
        .filter((reason) => skipped?.[reason])
        .map((reason) => ({ reason, count: Number(skipped[reason]) }));
      await this.audit.recordMutation(em, ctx, 'enrollCustomers', {
        campaignId,
        runId,
        byIds: customerIds !== null,
        enrolled: Number(enrolled),
        skipped: Object.fromEntries(counts.map((c) => [c.reason, c.count])),
      });
      return { runId, enrolled: Number(enrolled), skipped: counts };
    });
  }

  async skippedCustomers(runId: string, args: PageArgs): Promise<Connection<SkippedCustomer>> {
    const page = toPageRequest(args, ([no]) => (typeof no === 'string' && !no.includes('\0') ? no : undefined));
    const rows: SkippedCustomer[] = await this.ds.query(
      `SELECT s.customer_id AS "customerId", c.customer_no AS "customerNo", s.reason
       FROM enrollment_skip s JOIN customer c ON c.id = s.customer_id
       WHERE s.run_id = $1 AND ($2::text IS NULL OR c.customer_no > $2)
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
          `SELECT count(*)::int AS count FROM enrollment_skip WHERE run_id = $1`,
          [runId],
        );
        return count;
      },
    );
  }
}

/**
 * $1 campaign, $2 its channels in order, $3 listed customer ids (or null for
 * the campaign's criteria: $4 tiers, $5 lifecycle stages, $6 tag codes (all
 * required), $7/$8 AUM range), $9 product (risk checks apply only with one),
 * $10 today, $11 run id, $12 age limit, $13 highest risk level for that age.
 */
const ENROLL_SQL = `
WITH candidates AS (
  SELECT c.id, c.birth_date FROM customer c
  WHERE CASE WHEN $3::uuid[] IS NOT NULL THEN c.id = ANY($3::uuid[]) ELSE
          (cardinality($4::text[]) = 0 OR c.tier = ANY($4::text[]))
      AND (cardinality($5::text[]) = 0 OR c.lifecycle_stage = ANY($5::text[]))
      AND ($7::numeric IS NULL OR c.aum >= $7::numeric)
      AND ($8::numeric IS NULL OR c.aum <= $8::numeric)
      AND NOT EXISTS (
        SELECT 1 FROM unnest($6::text[]) AS wanted(code)
        WHERE NOT EXISTS (
          SELECT 1 FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id
          WHERE ct.customer_id = c.id AND t.code = wanted.code AND (ct.expires_at IS NULL OR ct.expires_at > now())))
  END
),
facts AS (
  SELECT cand.id,
    (SELECT u.channel FROM unnest($2::text[]) WITH ORDINALITY AS u(channel, position)
      WHERE EXISTS (SELECT 1 FROM consent k WHERE k.customer_id = cand.id AND k.purpose = 'MARKETING'
                    AND k.channel = u.channel AND k.granted)
      ORDER BY u.position LIMIT 1) AS channel,
    EXISTS (SELECT 1 FROM consent k WHERE k.customer_id = cand.id AND k.purpose = 'PERSONALISED_MARKETING' AND k.granted)
      AS personalised_allowed,
    risk.risk_tolerance, risk.valid_until,
    extract(year FROM age($10::date, cand.birth_date)) AS age,
    EXISTS (SELECT 1 FROM campaign_enrollment e WHERE e.campaign_id = $1 AND e.customer_id = cand.id) AS already_enrolled
  FROM candidates cand
  LEFT JOIN LATERAL (
    SELECT ra.risk_tolerance, ra.valid_until FROM risk_assessment ra WHERE ra.customer_id = cand.id
    ORDER BY ra.assessed_at DESC, ra.id DESC LIMIT 1
  ) risk ON true
),
decided AS (
  SELECT f.id, f.channel, CASE
    WHEN f.channel IS NULL THEN 'NO_CONSENT'
    WHEN NOT f.personalised_allowed THEN 'OPTED_OUT'
    WHEN p.id IS NOT NULL AND f.valid_until >= $10::date
         AND substr(f.risk_tolerance, 2)::int < substr(p.risk_level, 2)::int THEN 'UNSUITABLE'
    WHEN p.id IS NOT NULL AND f.risk_tolerance IS NULL THEN 'NO_ASSESSMENT'
    WHEN p.id IS NOT NULL AND f.valid_until < $10::date THEN 'ASSESSMENT_EXPIRED'
    WHEN p.id IS NOT NULL AND f.age >= $12 AND p.risk_level > $13 THEN 'AGE_RESTRICTED'
    WHEN f.already_enrolled THEN 'ALREADY_ENROLLED'
  END AS reason
  FROM facts f LEFT JOIN product p ON p.id = $9::uuid
),
inserted AS (
  INSERT INTO campaign_enrollment (campaign_id, customer_id, channel)
  SELECT $1, d.id, d.channel FROM decided d WHERE d.reason IS NULL
  ON CONFLICT (campaign_id, customer_id) DO NOTHING
  RETURNING 1
),
skipped AS (
  INSERT INTO enrollment_skip (run_id, customer_id, campaign_id, reason)
  SELECT $11, d.id, $1, d.reason FROM decided d WHERE d.reason IS NOT NULL
  RETURNING reason
)
SELECT (SELECT count(*) FROM inserted)::int AS enrolled,
       (SELECT json_object_agg(reason, n) FROM (SELECT reason, count(*) AS n FROM skipped GROUP BY reason) s) AS skipped`;
