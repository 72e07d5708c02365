import type { EntityManager } from 'typeorm';
import type { Keyring, KeyScope } from '../../privacy/encryption/keyring';
import { isoInstantSql } from '../../db/json-projection';

/**
 * The SQL behind each section of a customer's export, keyed and shaped as
 * the API fields they are read as, so that the privacy policy's rows apply
 * to them unchanged. The AML rating is never selected: it is withheld from
 * the data subject by law (see EXEMPTIONS), not by the caller's policy.
 */
export interface Section {
  /** The GraphQL type a row is read as. */
  type: string;
  sql: string;
  /** Nested objects and the type each is read as. */
  nested?: Record<string, string>;
  /** Keys read as another field of the type (see DocumentView.object). */
  readAs?: Record<string, string>;
  /** Values stored encrypted: the data-key scope they are under, and each encrypted column's key in the row. */
  encrypted?: { scope: KeyScope; fields: Record<string, string> };
  /**
   * Also rows of no customer whose phone's blind index ($2) is the
   * customer's: a prospect's leads registered before they were linked (the
   * ones erasure deletes with the customer's).
   */
  alsoByPhone?: boolean;
}

/** Holdings with their daily balances: what a legal hold keeps, so erasure builds its `held` from it too. */
export const HOLDINGS_SQL = `
  SELECT h.id, h.account_no AS "accountNo", h.balance::text AS balance, h.currency,
         h.opened_on::text AS "openedAt", h.maturity_date::text AS "maturityDate", h.status,
         json_build_object('code', p.code, 'name', p.name, 'type', p.type, 'riskLevel', p.risk_level) AS product,
         COALESCE((SELECT json_agg(json_build_object('date', d.balance_date, 'balance', d.balance::text)
                                   ORDER BY d.balance_date)
                     FROM holding_daily_balance d WHERE d.holding_id = h.id), '[]') AS "dailyBalances"
    FROM holding h JOIN product p ON p.id = h.product_id
   WHERE h.customer_id = $1 ORDER BY h.opened_on, h.id`;

/** Risk assessments with the AML rating, for the legal hold only. */
export const HELD_RISK_ASSESSMENTS_SQL = `
  SELECT r.risk_tolerance AS "riskTolerance", ${isoInstantSql('r.assessed_at')} AS "assessedAt",
         r.valid_until::text AS "validUntil", r.credit_grade AS "creditGrade", r.aml_rating AS "amlRating"
    FROM risk_assessment r WHERE r.customer_id = $1 ORDER BY r.assessed_at`;

export const SECTIONS: Record<string, Section> = {
  holdings: {
    type: 'Holding',
    sql: HOLDINGS_SQL,
    nested: { product: 'Product' },
    encrypted: { scope: 'holding', fields: { account_no: 'accountNo' } },
    // A balance over time is the balance: whoever may not read it in full gets neither.
    readAs: { dailyBalances: 'balance' },
  },
  interactions: {
    type: 'Interaction',
    sql: `SELECT i.id, i.channel, i.type, ${isoInstantSql('i.occurred_at')} AS "occurredAt", i.summary, i.outcome,
                 i.compliance_flags AS "complianceFlags"
            FROM interaction i WHERE i.customer_id = $1 ORDER BY i.occurred_at, i.id`,
  },
  consents: {
    type: 'Consent',
    sql: `SELECT c.channel, c.purpose, c.granted, ${isoInstantSql('c.updated_at')} AS "updatedAt"
            FROM consent c WHERE c.customer_id = $1 ORDER BY c.purpose, c.channel`,
  },
  tags: {
    type: 'CustomerTag',
    sql: `SELECT json_build_object('code', t.code, 'name', t.name, 'category', t.category) AS tag, ct.source,
                 ct.confidence::float8 AS confidence, ${isoInstantSql('ct.assigned_at')} AS "assignedAt",
                 ${isoInstantSql('ct.expires_at')} AS "expiresAt"
            FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id WHERE ct.customer_id = $1 ORDER BY t.code`,
    nested: { tag: 'Tag' },
  },
  campaignEnrollments: {
    type: 'CampaignEnrollment',
    sql: `SELECT e.status, e.channel, ${isoInstantSql('e.enrolled_at')} AS "enrolledAt",
                 json_build_object('code', c.code, 'name', c.name) AS campaign
            FROM campaign_enrollment e JOIN campaign c ON c.id = e.campaign_id
           WHERE e.customer_id = $1 ORDER BY e.enrolled_at, e.id`,
    nested: { campaign: 'Campaign' },
  },
  riskAssessments: {
    type: 'RiskProfile',
    sql: `SELECT r.risk_tolerance AS "riskTolerance", ${isoInstantSql('r.assessed_at')} AS "assessedAt",
                 r.valid_until::text AS "validUntil", r.credit_grade AS "creditGrade"
            FROM risk_assessment r WHERE r.customer_id = $1 ORDER BY r.assessed_at`,
  },
  aumHistory: {
    type: 'Customer',
    sql: `SELECT s.month::text AS month, s.aum::text AS aum
            FROM customer_aum_snapshot s WHERE s.customer_id = $1 ORDER BY s.month`,
    // A month's AUM is the customer's AUM; `month` says which, and is no more private than the AUM itself.
    readAs: { month: 'aum' },
  },
  leads: {
    type: 'Lead',
    encrypted: { scope: 'lead', fields: { phone: 'phone' } },
    sql: `SELECT l.id, l.name, l.phone, l.product_interest AS "productInterest", l.source_channel AS "sourceChannel",
                 l.city, l.intent, l.status, ${isoInstantSql('l.created_at')} AS "createdAt"
            FROM lead l WHERE l.customer_id = $1 OR (l.customer_id IS NULL AND l.phone_bidx = $2)
           ORDER BY l.created_at, l.id`,
    alsoByPhone: true,
  },
  retentionTasks: {
    type: 'RetentionTask',
    sql: `SELECT t.id, t.status, e.signals, e.tier, ${isoInstantSql('t.opened_at')} AS "openedAt",
                 ${isoInstantSql('e.ended_at')} AS "signalsClearedAt", t.due_on::text AS "dueOn",
                 t.outcome, t.reason, t.note, ${isoInstantSql('t.completed_at')} AS "completedAt"
            FROM retention_task t JOIN churn_episode e ON e.id = t.episode_id
           WHERE t.customer_id = $1 ORDER BY t.opened_at, t.id`,
  },
  // Segmentation opens an episode and its task in one statement, so an episode is normally exported as its task
  // above; one without a task (none is written today, but nothing in the schema forbids it) is still data about
  // the customer. Its signals, tier and dates are the customer's churn signals over time: read as those fields.
  churnEpisodes: {
    type: 'Customer',
    sql: `SELECT e.signals, e.tier, ${isoInstantSql('e.started_at')} AS "startedAt", ${isoInstantSql('e.ended_at')} AS "endedAt"
            FROM churn_episode e
           WHERE e.customer_id = $1 AND NOT EXISTS (SELECT 1 FROM retention_task t WHERE t.episode_id = e.id)
           ORDER BY e.started_at, e.id`,
    readAs: { signals: 'churnSignals', startedAt: 'churnSignals', endedAt: 'churnSignals' },
  },
  // Which campaign's screening left the customer out, why and when (kept ENROLLMENT_SKIP_RETENTION_DAYS). The
  // campaign and the date say what the reason is about and are no more private than the reason itself.
  enrollmentSkips: {
    type: 'SkippedCustomer',
    sql: `SELECT s.reason, json_build_object('code', c.code, 'name', c.name) AS campaign,
                 ${isoInstantSql('s.created_at')} AS "skippedAt"
            FROM enrollment_skip s JOIN campaign c ON c.id = s.campaign_id
           WHERE $1 = ANY(s.customer_ids) ORDER BY s.created_at, c.code`,
    nested: { campaign: 'Campaign' },
    readAs: { campaign: 'reason', skippedAt: 'reason' },
  },
};

/** What the law keeps out of any export, whoever asks. */
export const EXEMPTIONS = [
  'RiskProfile.amlRating: AML ratings and their causes are not disclosed to the customer (anti-money-laundering ' +
    'law, no tipping off; PIPL Art. 18 and 44 exemptions)',
];

export async function readSection(
  em: EntityManager,
  section: Section,
  customer: { id: string; phone: string | null },
  keyring: Keyring,
) {
  const params: unknown[] = [customer.id];
  if (section.alsoByPhone) {
    await keyring.ensure(em, 'lead');
    params.push(customer.phone === null ? null : keyring.blindIndex('lead', 'phone', customer.phone));
  }
  const rows = (await em.query(section.sql, params)) as Record<string, unknown>[];
  const encrypted = section.encrypted;
  return encrypted ? keyring.open(em, encrypted.scope, rows, encrypted.fields) : rows;
}
