import type { DataSource } from 'typeorm';

/**
 * Waits until the segment refresh queue is empty, that is until every
 * queued customer's refresh has committed (a claimed request disappears only
 * when its batch commits). Something must be draining the queue: a running
 * server, a SegmentRefresher the test started, or drainSegmentRefresh.
 */
export async function waitForSegmentRefresh(
  ds: DataSource,
  { timeoutMs = 10_000, pollMs = 25 }: { timeoutMs?: number; pollMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [{ waiting }] = await ds.query(`SELECT count(*)::int AS waiting FROM segment_refresh_request`);
    if (waiting === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${waiting} segment refresh requests still queued after ${timeoutMs} ms: is a refresher running?`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Customers waiting in the queue, by id. */
export async function queuedCustomerIds(ds: DataSource): Promise<string[]> {
  const rows: { id: string }[] = await ds.query(
    `SELECT customer_id AS id FROM segment_refresh_request ORDER BY customer_id`,
  );
  return rows.map((r) => r.id);
}
