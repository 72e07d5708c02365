import type { ContactCapSettings } from '../../config';
import { DataSource, EntityManager } from 'typeorm';
import { SqlParams } from '../../db/parent-relations';
import { sqlStateOf } from '../../db/sql-state';
import type { RowScope } from '../../privacy/row-scope';
import { mutationRecordSql } from '../audit/mutation-record';
import { CampaignEntity } from './campaign.entity';
import { CampaignStatus } from './campaign.enums';
import { BookPart, NotEligibleCause, screeningSql } from './enrollment-screening';
import { skipCounts } from './enrollment-run.row';
import { EnrollmentRunFailure } from './enrollment.type';

/** A chunk found the campaign no longer APPROVED or ACTIVE: the run fails, the chunk wrote nothing. */
export class CampaignNotEnrollable extends Error {
  constructor(readonly status: string) {
    super(`The campaign is ${status}`);
    this.name = 'CampaignNotEnrollable';
  }
}

export interface EnrollmentJobSettings {
  /** Customers per range (chunk): one transaction and one screening statement each. */
  chunkSize: number;
  /** Each chunk's statements run under this timeout, not the request pool's. */
  statementTimeoutMs: number;
  /** A customer whose monthly contact cap is reached is FREQUENCY_CAPPED; null: no caps (the W4 benchmark's comparison). */
  caps: ContactCapSettings | null;
}

interface RunForChunk {
  campaign_id: string;
  customer_ids: string[] | null;
  listed_scope: RowScope | null;
  business_date: string;
  screened_since: string | null;
}

interface Chunk {
  seq: number;
  from_id: string | null;
  to_id: string | null;
  sweep: boolean;
  size: number;
}

/** Null: the listed customers, all in one part. */
function partOf(chunk: Chunk, run: RunForChunk): BookPart | null {
  if (run.customer_ids !== null) return null;
  const plannedAt = run.screened_since!;
  if (chunk.sweep) return { kind: 'sweep', plannedAt };
  return { kind: 'ids', fromId: chunk.from_id, toId: chunk.to_id, plannedAt };
}

/**
 * What an enrolment run does, step by step, for the job runner (src/jobs):
 * plan its ranges once, screen and enrol one range per transaction (any
 * number side by side), and end it, with the counts and the one audit
 * record, once every range is done, or as FAILED with a reason.
 */
export class EnrollmentJob {
  /** The runs, with the job runner's lease columns (src/jobs). */
  readonly table = 'enrollment_run';

  constructor(private readonly settings: EnrollmentJobSettings) {}

  /**
   * Splits the run into parts, once (a run taken over keeps the plan it has).
   * Listed customers are one part. The whole book is cut into ranges of ids
   * of chunkSize customers on average (idRanges), and a last part, the
   * sweep, for the customers added after the plan (BookPart). A range's size
   * is its share of the customers counted at the plan; the sweep's is 0, so
   * the run's progress counts the book as planned.
   */
  async plan(ds: DataSource, runId: string): Promise<void> {
    await ds.transaction(async (em) => {
      const [run] = await em.query(
        `SELECT total, cardinality(customer_ids) AS listed FROM enrollment_run WHERE id = $1 FOR UPDATE`,
        [runId],
      );
      if (!run || run.total !== null) return;
      if (run.listed !== null) {
        await em.query(`INSERT INTO enrollment_run_chunk (run_id, seq, size) VALUES ($1, 0, $2)`, [runId, run.listed]);
        await em.query(`UPDATE enrollment_run SET total = $2 WHERE id = $1`, [runId, run.listed]);
        return;
      }
      await em.query(`SET LOCAL statement_timeout = ${Math.floor(this.settings.statementTimeoutMs)}`);
      // The run's cut in time (BookPart): customers added since are the sweep's.
      await em.query(
        `UPDATE enrollment_run SET screened_since = pg_snapshot_xmin(pg_current_snapshot()) WHERE id = $1`,
        [runId],
      );
      const [{ total }] = await em.query(`SELECT count(*)::int AS total FROM customer`);
      const ranges = idRanges(total, this.settings.chunkSize);
      await em.query(
        `INSERT INTO enrollment_run_chunk (run_id, seq, from_id, to_id, size, sweep)
         SELECT $1::uuid, r.seq - 1, r.from_id, r.to_id, r.size, false
         FROM unnest($2::uuid[], $3::uuid[], $4::int[]) WITH ORDINALITY r(from_id, to_id, size, seq)
         UNION ALL SELECT $1::uuid, $5::int, NULL, NULL, 0, true`,
        [runId, ranges.map((r) => r.fromId), ranges.map((r) => r.toId), ranges.map((r) => r.size), ranges.length],
      );
      await em.query(`UPDATE enrollment_run SET total = $2 WHERE id = $1`, [runId, total]);
    });
  }

  /**
   * Screens and enrols one part not yet done, in one transaction: the
   * part's row stays locked (FOR UPDATE SKIP LOCKED) until it commits with
   * its enrolments, skips, counts and the run's progress, or rolls back
   * with nothing written. The sweep is taken only once every range is done
   * (committed). False when no part is left to take now.
   */
  async step(ds: DataSource, runId: string): Promise<boolean> {
    return ds.transaction(async (em) => {
      await em.query(`SET LOCAL statement_timeout = ${Math.floor(this.settings.statementTimeoutMs)}`);
      // The range's facts are hashed and sorted in memory, not spilled to disk (4 MB by default).
      await em.query(`SET LOCAL work_mem = '64MB'`);
      // No JIT: the planner estimates billions of facts (each LEFT JOIN to an aggregate multiplies its guess),
      // so each range paid about 3 s of JIT inlining and optimisation for 25,000 rows (bench/results/enrollment-run.md).
      await em.query(`SET LOCAL jit = off`);
      const [chunk]: Chunk[] = await em.query(
        `SELECT seq, from_id, to_id, sweep, size FROM enrollment_run_chunk ch
         WHERE run_id = $1 AND NOT done
           AND (NOT sweep OR NOT EXISTS (
             SELECT 1 FROM enrollment_run_chunk r WHERE r.run_id = $1 AND NOT r.done AND NOT r.sweep))
         ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED`,
        [runId],
      );
      if (!chunk) return false;
      // Customers are not deleted while a part screens them: a skip row never names a customer who is gone
      // (the skips' foreign keys were dropped for speed; migrations/1766736000000-EnrollmentByHeapPages.ts).
      await em.query(`SELECT enrollment_screening_lock(false)`);
      const [run]: RunForChunk[] = await em.query(
        `SELECT campaign_id, customer_ids, listed_scope, to_char(business_date, 'YYYY-MM-DD') AS business_date,
           screened_since::text AS screened_since
         FROM enrollment_run WHERE id = $1`,
        [runId],
      );
      // Shared with the other ranges in flight; a lifecycle transition (FOR UPDATE) waits for them.
      const campaign = await em
        .getRepository(CampaignEntity)
        .createQueryBuilder('c')
        .setLock('pessimistic_read')
        .where('c.id = :id', { id: run.campaign_id })
        .getOneOrFail();
      if (campaign.status !== CampaignStatus.APPROVED && campaign.status !== CampaignStatus.ACTIVE) {
        throw new CampaignNotEnrollable(campaign.status);
      }
      const params = new SqlParams();
      const sql = screeningSql(params.bind, {
        runId,
        campaignId: campaign.id,
        channels: campaign.channels,
        customerIds: run.customer_ids,
        listedScope: run.listed_scope,
        segment: {
          tiers: campaign.targetTiers,
          lifecycleStages: campaign.targetLifecycleStages,
          tagCodes: campaign.targetTagCodes,
          aumMin: campaign.targetAumMin,
          aumMax: campaign.targetAumMax,
        },
        productId: campaign.productId,
        today: run.business_date,
        caps: this.settings.caps,
        part: partOf(chunk, run),
        partSeq: chunk.seq,
      });
      const [{ enrolled, skipped, causes }] = await em.query(sql, params.values);
      await em.query(
        `UPDATE enrollment_run_chunk SET done = true, enrolled = $3, skipped = $4, causes = $5
         WHERE run_id = $1 AND seq = $2`,
        [runId, chunk.seq, enrolled, JSON.stringify(skipped), JSON.stringify(causes)],
      );
      await em.query(`UPDATE enrollment_run SET done = done + $2 WHERE id = $1`, [runId, chunk.size]);
      return true;
    });
  }

  /** SUCCEEDED once every range is done; false (and nothing written) while some range is not. */
  async finish(ds: DataSource, runId: string): Promise<boolean> {
    return ds.transaction(async (em) => {
      const run = await lockRunning(em, runId);
      if (!run) return true;
      const [{ pending }] = await em.query(
        `SELECT count(*)::int AS pending FROM enrollment_run_chunk WHERE run_id = $1 AND NOT done`,
        [runId],
      );
      if (pending > 0 || run.total === null) return false;
      await end(em, runId, 'SUCCEEDED', null);
      return true;
    });
  }

  /** FAILED with a reason; the ranges done keep their enrolments, and the audit record counts them. */
  async fail(ds: DataSource, runId: string, error: unknown): Promise<void> {
    await ds.transaction(async (em) => {
      if (await lockRunning(em, runId)) await end(em, runId, 'FAILED', failureReasonOf(error));
    });
  }

  /** A run taken over more often than the runner allows. */
  async abandon(ds: DataSource, runId: string): Promise<void> {
    await ds.transaction(async (em) => {
      if (await lockRunning(em, runId)) await end(em, runId, 'FAILED', EnrollmentRunFailure.ABANDONED);
    });
  }
}

/**
 * The book's ids cut into ranges of `chunkSize` customers on average (the
 * first unbounded below, the last above, so every id is in one), each with
 * its share of `total`; the shares add up to it. Equal slices of the id
 * space hold about as many customers each because ids are random UUIDs
 * (version 4): ids made in order would only make ranges uneven, not miss
 * anyone.
 */
export function idRanges(total: number, chunkSize: number): { fromId: string | null; toId: string | null; size: number }[] {
  const n = Math.max(1, Math.ceil(total / Math.max(1, chunkSize)));
  const bound = (i: number) => {
    const hex = ((BigInt(i) << 128n) / BigInt(n)).toString(16).padStart(32, '0');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
  return Array.from({ length: n }, (_, i) => ({
    fromId: i === 0 ? null : bound(i),
    toId: i === n - 1 ? null : bound(i + 1),
    size: Math.floor((total * (i + 1)) / n) - Math.floor((total * i) / n),
  }));
}

export function failureReasonOf(error: unknown): EnrollmentRunFailure {
  if (error instanceof CampaignNotEnrollable) return EnrollmentRunFailure.CAMPAIGN_NOT_ENROLLABLE;
  // 57014: the statement timeout cancelled a range.
  if (sqlStateOf(error) === '57014') return EnrollmentRunFailure.TIMED_OUT;
  return EnrollmentRunFailure.INTERNAL_ERROR;
}

async function lockRunning(em: EntityManager, runId: string): Promise<{ total: number | null } | undefined> {
  const [run] = await em.query(`SELECT total FROM enrollment_run WHERE id = $1 AND status = 'RUNNING' FOR UPDATE`, [
    runId,
  ]);
  return run;
}

/**
 * Ends a run: its counts summed over the ranges done, and the one audit
 * record of the enrollCustomers call that started it (PRODUCT.md §4), in
 * the caller's name and request, naming the NOT_ELIGIBLE causes the caller
 * was not told.
 */
async function end(
  em: EntityManager,
  runId: string,
  status: 'SUCCEEDED' | 'FAILED',
  failureReason: EnrollmentRunFailure | null,
): Promise<void> {
  const [totals] = await em.query(
    `SELECT coalesce(sum(enrolled), 0)::int AS enrolled,
       (SELECT coalesce(jsonb_object_agg(key, n), '{}') FROM (
          SELECT s.key, sum(s.value::int)::int AS n FROM enrollment_run_chunk ch, jsonb_each_text(ch.skipped) s
          WHERE ch.run_id = $1 AND ch.done GROUP BY s.key) x) AS skipped,
       (SELECT coalesce(jsonb_object_agg(key, n), '{}') FROM (
          SELECT s.key, sum(s.value::int)::int AS n FROM enrollment_run_chunk ch, jsonb_each_text(ch.causes) s
          WHERE ch.run_id = $1 AND ch.done GROUP BY s.key) x) AS causes
     FROM enrollment_run_chunk WHERE run_id = $1 AND done`,
    [runId],
  );
  // TypeORM answers an UPDATE with [rows, affected].
  const [[run]] = await em.query(
    `UPDATE enrollment_run SET status = $2, failure_reason = $3, enrolled = $4, skipped = $5, finished_at = now(),
       lease_owner = NULL, lease_expires_at = NULL
     WHERE id = $1
     RETURNING campaign_id, requested_by, requested_roles, request_id, customer_ids IS NOT NULL AS by_ids`,
    [runId, status, failureReason, totals.enrolled, JSON.stringify(totals.skipped)],
  );
  const skipped = Object.fromEntries(skipCounts(totals.skipped).map((c) => [c.reason, c.count]));
  const params = new SqlParams();
  const insert = mutationRecordSql(
    { principal: { id: run.requested_by, roles: run.requested_roles }, requestId: run.request_id },
    'enrollCustomers',
    params.bind,
    {
      customerId: params.bind(null, 'uuid'),
      detail: params.bind(
        JSON.stringify({
          campaignId: run.campaign_id,
          runId,
          byIds: run.by_ids,
          status,
          ...(failureReason ? { failureReason } : {}),
          enrolled: totals.enrolled,
          skipped,
          // The caller sees NOT_ELIGIBLE only; the record keeps why (PRODUCT.md §4).
          notEligibleBy: Object.fromEntries(
            Object.values(NotEligibleCause).map((cause) => [cause, Number(totals.causes?.[cause] ?? 0)]),
          ),
        }),
        'jsonb',
      ),
    },
  );
  await em.query(insert, params.values);
}
