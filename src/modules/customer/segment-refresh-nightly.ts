import type { DataSource } from 'typeorm';
import type { Config } from '../../config';
import { deriveAumSnapshots } from './aum-snapshots';
import { SEGMENT_REFRESH_LOCK_KEY } from './segment-refresh-worker';
import { refreshSegments, SegmentRefreshOutcome } from './segmentation.service';

export interface ReconciliationOutcome extends SegmentRefreshOutcome {
  /** Monthly AUM snapshots written (new or changed) from daily balances. */
  snapshotsWritten: number;
}

/**
 * The nightly run: derives every customer's AUM snapshots from daily
 * balances, then recomputes every customer's segments, which move with the
 * calendar even when no data changes, and repairs whatever the refresh queue
 * missed. It holds the refresh lock exclusively, on one connection that
 * also runs its statements (the embedded database has a pool of one): it
 * waits for the refresh batches in flight, and workers wait for it, their
 * requests staying queued until it is done.
 */
export async function reconcileSegments(
  ds: DataSource,
  config: Config,
  now: Date = new Date(),
): Promise<ReconciliationOutcome> {
  const session = ds.createQueryRunner();
  await session.connect();
  try {
    await session.query('SELECT pg_advisory_lock($1)', [SEGMENT_REFRESH_LOCK_KEY]);
    try {
      // Its statements on chunks of thousands of customers spent more time JIT compiling than running.
      await session.query(`SET jit = off`);
      const snapshotsWritten = await deriveAumSnapshots(session.manager, config, undefined, now);
      const outcome = await refreshSegments(session.manager, config, now);
      return { ...outcome, snapshotsWritten };
    } finally {
      await session.query('RESET jit').catch(() => undefined);
      await session.query('SELECT pg_advisory_unlock($1)', [SEGMENT_REFRESH_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await session.release();
  }
}
