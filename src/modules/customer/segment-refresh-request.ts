import type { DataSource, EntityManager } from 'typeorm';

/**
 * Asks for these customers' derived columns (AUM, tier, lifecycle stage,
 * churn signals, rule tags) and AUM snapshots to be recomputed. Call it in
 * the transaction that changed their data, once with all of them, so the
 * request commits or rolls back with the change; the refresh itself runs
 * after commit, batched per customer, off the request path (see
 * drainSegmentRefresh). A customer already waiting keeps their place.
 *
 * Why it locks the waiting request (a no-op update) rather than leaving it
 * alone (DO NOTHING): a worker could otherwise claim that request and
 * refresh the customer before this transaction commits, from data without
 * this change, and nothing would be left to refresh it again. Locked, the
 * request is skipped by workers until this transaction ends. If a worker is
 * refreshing one of these customers right now, this waits for its batch to
 * commit and then queues the customer again. Customers are queued in id
 * order, so that two writers never wait on each other in a cycle.
 */
export async function requestSegmentRefresh(
  db: DataSource | EntityManager,
  customerIds: readonly string[],
): Promise<void> {
  if (customerIds.length === 0) return;
  await db.query(segmentRefreshRequestSql(`SELECT unnest($1::uuid[])`), [customerIds]);
}

/**
 * requestSegmentRefresh as a part of a writer's own statement (a CTE), so
 * that queueing costs no statement of its own: `customerIds` is a query
 * whose one column is the ids of the customers to queue.
 */
export function segmentRefreshRequestSql(customerIds: string): string {
  return `INSERT INTO segment_refresh_request AS r (customer_id)
     SELECT DISTINCT id FROM (${customerIds}) AS queued(id) ORDER BY id
     ON CONFLICT (customer_id) DO UPDATE SET requested_at = r.requested_at`;
}
