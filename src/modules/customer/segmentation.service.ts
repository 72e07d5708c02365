import { DataSource, EntityManager } from 'typeorm';
import { addDays, ageOn, businessToday } from '../../common/business-date';
import type { Config } from '../../config';
import { AUM_PRODUCT_TYPES } from '../holding/holding.enums';
import { InteractionType } from '../interaction/interaction.enums';
import { applyTagRules } from '../tag/tag-rules';
import { churnEpisodeCounts, churnEpisodeCtes } from '../task/churn-episodes';
import { AUM_CAP } from './aum-snapshots';
import { churnSignalsFor, lifecycleStageFor, tierFor } from './segmentation.rules';

const CHUNK = 5000;

/** Interactions that make a customer active (the lifecycle stage), and those the churn signals count. */
const ACTIVITY_TYPES = [InteractionType.LOGIN, InteractionType.TRANSACTION];
const CHURN_TYPES = [InteractionType.LOGIN, InteractionType.COMPLAINT];
const sqlList = (types: readonly InteractionType[]) => types.map((type) => `'${type}'`).join(', ');

/**
 * The only interactions the segment facts read: recording one of another
 * type cannot change a customer's tier, lifecycle stage, churn signals or
 * rule tags, so it asks for no refresh.
 */
export const SEGMENT_FACT_INTERACTION_TYPES: ReadonlySet<InteractionType> = new Set([
  ...ACTIVITY_TYPES,
  ...CHURN_TYPES,
]);

interface SegmentFacts {
  id: string;
  birthDate: string;
  onboardedOn: string;
  aum: string;
  lastActiveOn: string | null;
  loginsRecent: number;
  loginsPrior: number;
  complaintsRecent: number;
  complaintsPrior: number;
  aumWindowAgo: string | null;
}

export interface SegmentRefreshOutcome {
  /** Customers whose segments were recomputed. */
  customers: number;
  /** Of those, customers whose stored AUM, tier, lifecycle stage or churn signals were different (and rewritten). */
  corrected: number;
  /** Customers whose RULE tags were added or taken back. */
  tagsCorrected: number;
  /** Churn episodes started (each with its retention task) and ended (task/churn-episodes.ts). */
  episodesStarted: number;
  episodesEnded: number;
}

/**
 * Gathers each customer's facts in SQL (AUM in CNY at the latest rate, last
 * activity, counts per churn window, the snapshot one window ago) and decides
 * tier, lifecycle stage and churn signals with the pure rules, then writes
 * back, in one UPDATE per chunk, only the rows whose values change: a
 * nightly run over every customer rewrites (and counts) just the ones that
 * were wrong, and customer.segmented_at says when a customer's segment
 * columns last changed. The same statement starts and ends churn episodes
 * and opens their retention tasks (task/churn-episodes.ts): every run that
 * writes churn signals, the worker's and the nightly one, goes through here.
 */
export async function refreshSegments(
  ds: DataSource | EntityManager,
  config: Config,
  now: Date = new Date(),
  /** Only these customers (a write's own, inside its transaction); all when omitted. */
  onlyCustomerIds?: readonly string[],
): Promise<SegmentRefreshOutcome> {
  const t = config.segmentation;
  const zone = config.businessTimeZone;
  const today = businessToday(zone, now);
  const recentStart = addDays(today, -t.churnWindowDays);
  const priorStart = addDays(today, -2 * t.churnWindowDays);
  let after = '00000000-0000-0000-0000-000000000000';
  let customers = 0;
  let corrected = 0;
  let episodesStarted = 0;
  let episodesEnded = 0;
  const finish = async (): Promise<SegmentRefreshOutcome> => {
    const tagsChanged = await applyTagRules(ds, today, t, onlyCustomerIds ? [...onlyCustomerIds] : undefined);
    return { customers, corrected, tagsCorrected: tagsChanged.size, episodesStarted, episodesEnded };
  };

  for (;;) {
    const facts: SegmentFacts[] = await ds.query(
      `WITH chunk AS (
         SELECT id, birth_date, onboarded_on FROM customer
         WHERE id > $1 AND ($8::uuid[] IS NULL OR id = ANY($8::uuid[])) ORDER BY id LIMIT $2
       )
       SELECT c.id, c.birth_date AS "birthDate", c.onboarded_on AS "onboardedOn",
         least(coalesce((
           SELECT sum(h.balance * CASE WHEN h.currency = 'CNY' THEN 1 ELSE (
               SELECT f.cny_per_unit FROM fx_rate f
               WHERE f.currency = h.currency AND f.rate_date <= $3::date ORDER BY f.rate_date DESC LIMIT 1) END)
           FROM holding h JOIN product p ON p.id = h.product_id
           WHERE h.customer_id = c.id AND h.status = 'ACTIVE' AND p.type = ANY($4::text[])
         ), 0), ${AUM_CAP})::numeric(18,2)::text AS aum,
         (SELECT (max(i.occurred_at) AT TIME ZONE $5)::date::text FROM interaction i
           WHERE i.customer_id = c.id AND i.type IN (${sqlList(ACTIVITY_TYPES)})) AS "lastActiveOn",
         act."loginsRecent", act."loginsPrior", act."complaintsRecent", act."complaintsPrior",
         (SELECT s.aum::text FROM customer_aum_snapshot s
           WHERE s.customer_id = c.id AND s.month = date_trunc('month', $6::date)::date) AS "aumWindowAgo"
       FROM chunk c
       CROSS JOIN LATERAL (
         SELECT
           count(*) FILTER (WHERE i.type = 'LOGIN' AND i.occurred_at >= $6::date::timestamp AT TIME ZONE $5)::int AS "loginsRecent",
           count(*) FILTER (WHERE i.type = 'LOGIN' AND i.occurred_at < $6::date::timestamp AT TIME ZONE $5)::int AS "loginsPrior",
           count(*) FILTER (WHERE i.type = 'COMPLAINT' AND i.occurred_at >= $6::date::timestamp AT TIME ZONE $5)::int AS "complaintsRecent",
           count(*) FILTER (WHERE i.type = 'COMPLAINT' AND i.occurred_at < $6::date::timestamp AT TIME ZONE $5)::int AS "complaintsPrior"
         FROM interaction i
         WHERE i.customer_id = c.id AND i.type IN (${sqlList(CHURN_TYPES)})
           AND i.occurred_at >= $7::date::timestamp AT TIME ZONE $5
       ) act
       ORDER BY c.id`,
      [after, CHUNK, today, AUM_PRODUCT_TYPES, zone, recentStart, priorStart, onlyCustomerIds ?? null],
    );
    if (facts.length === 0) return finish();

    const ids: string[] = [];
    const aums: string[] = [];
    const tiers: string[] = [];
    const stages: string[] = [];
    const signals: string[] = [];
    for (const f of facts) {
      ids.push(f.id);
      aums.push(f.aum);
      tiers.push(tierFor(f.aum, ageOn(f.birthDate, today), t));
      stages.push(lifecycleStageFor({ lastActiveOn: f.lastActiveOn, onboardedOn: f.onboardedOn, today }, t));
      signals.push(churnSignalsFor({ ...f, aumNow: f.aum }, t).join(','));
    }
    const [written]: { corrected: number; episodesStarted: number; episodesEnded: number }[] = await ds.query(
      `WITH decided AS (
         SELECT id, aum, tier, stage, coalesce(string_to_array(nullif(signals, ''), ','), '{}') AS signals
         FROM unnest($1::uuid[], $2::numeric[], $3::text[], $4::text[], $5::text[]) AS u(id, aum, tier, stage, signals)
       ),
       changed AS (
         UPDATE customer c
         SET aum = u.aum, tier = u.tier, lifecycle_stage = u.stage, churn_signals = u.signals, segmented_at = $6
         FROM decided u
         WHERE c.id = u.id
           AND (c.aum, c.tier, c.lifecycle_stage, c.churn_signals) IS DISTINCT FROM (u.aum, u.tier, u.stage, u.signals)
         RETURNING 1
       )${churnEpisodeCtes({ decided: 'decided', now: '$6::timestamptz', today: '$7::date', dueDays: '$8::int' })}
       SELECT (SELECT count(*) FROM changed)::int AS corrected, ${churnEpisodeCounts}`,
      [ids, aums, tiers, stages, signals, now, today, config.retention.taskDueDays],
    );
    customers += facts.length;
    corrected += written.corrected;
    episodesStarted += written.episodesStarted;
    episodesEnded += written.episodesEnded;
    after = facts[facts.length - 1].id;
    // A short chunk is the last: no need to ask for an empty one (a single customer's write saves a statement).
    if (facts.length < CHUNK) return finish();
  }
}
