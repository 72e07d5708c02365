import type { DataSource } from 'typeorm';
import type { Config } from '../../config';
import { deriveAumSnapshots } from './aum-snapshots';
import type { SegmentRefreshMetrics } from './segment-refresh-metrics';
import { refreshSegments } from './segmentation.service';

/**
 * Refresh batches hold it shared (any number of workers at once); the nightly
 * reconciliation holds it exclusively, so the two never write the same rows
 * concurrently and deadlock. Any constant shared by all instances.
 */
export const SEGMENT_REFRESH_LOCK_KEY = 360_360_017;

export interface DrainOptions {
  /** Customers claimed and refreshed per transaction. */
  batchSize: number;
  /** The clock the windows are computed from; read per batch when omitted. */
  now?: Date;
  metrics?: SegmentRefreshMetrics;
  /** Checked between batches: the batch in flight always finishes (commits or rolls back). */
  signal?: AbortSignal;
}

/**
 * Refreshes the customers waiting in segment_refresh_request, a batch per
 * transaction, until none is left that this worker can claim. Returns how
 * many customers it refreshed. Throws the error of a failed batch, whose
 * requests stay queued (its transaction rolled back); batches committed
 * before it stay committed.
 */
export async function drainSegmentRefresh(ds: DataSource, config: Config, options: DrainOptions): Promise<number> {
  // Polled often and usually empty: one cheap read instead of a transaction of four statements.
  const [waiting] = await ds.query(`SELECT 1 FROM segment_refresh_request LIMIT 1`);
  if (!waiting) return 0;
  let refreshed = 0;
  while (!options.signal?.aborted) {
    const batch = await refreshNextBatch(ds, config, options);
    refreshed += batch;
    // A short batch means nothing else is claimable now: the rest are being refreshed by another worker,
    // held by a writer's open transaction, or the nightly run holds the lock. The next tick comes back.
    if (batch < options.batchSize) break;
  }
  return refreshed;
}

/**
 * One transaction: claim up to batchSize requests, oldest first, skipping
 * those another transaction holds (another worker's batch, a writer that
 * has just queued the customer again) and customers whose row a writer is
 * changing (the refresh would wait for that writer, which may be about to
 * wait for this claim: a deadlock; they stay queued); derive their
 * snapshots and refresh their
 * segments; commit. The claim's DELETE stays uncommitted until then, so a
 * writer that queues one of these customers meanwhile waits and then
 * queues them again: their new data is refreshed by a later batch.
 */
async function refreshNextBatch(ds: DataSource, config: Config, options: DrainOptions): Promise<number> {
  try {
    const refreshed = await ds.transaction(async (em) => {
      // JIT compiling (hundreds of ms) costs more than this batch's statements save by it.
      const [{ free }]: { free: boolean }[] = await em.query(
        `SELECT set_config('jit', 'off', true), pg_try_advisory_xact_lock_shared($1) AS free`,
        [SEGMENT_REFRESH_LOCK_KEY],
      );
      if (!free) return 0;
      const claimed: { customerId: string }[] = await em.query(
        `WITH next AS (
           SELECT q.customer_id FROM segment_refresh_request q JOIN customer c ON c.id = q.customer_id
           ORDER BY q.requested_at, q.customer_id
           LIMIT $1
           FOR UPDATE OF q SKIP LOCKED
           FOR NO KEY UPDATE OF c SKIP LOCKED
         ),
         claimed AS (
           DELETE FROM segment_refresh_request r USING next WHERE r.customer_id = next.customer_id
           RETURNING r.customer_id
         )
         SELECT customer_id AS "customerId" FROM claimed`,
        [options.batchSize],
      );
      if (claimed.length === 0) return 0;
      const ids = claimed.map((c) => c.customerId);
      const now = options.now ?? new Date();
      await deriveAumSnapshots(em, config, ids, now);
      await refreshSegments(em, config, now, ids);
      return ids.length;
    });
    options.metrics?.customersRefreshed.inc(refreshed);
    return refreshed;
  } catch (error) {
    options.metrics?.failedBatches.inc();
    throw error;
  }
}
