import type { DataSource, EntityManager } from 'typeorm';

/**
 * Asks for these customers' derived columns (AUM, tier, lifecycle stage,
 * churn signals, rule tags) to be recomputed. Called in the transaction that
 * changed their data, so the request commits or rolls back with the change;
 * the refresh itself runs after commit, batched per customer, off the
 * request path. A customer already waiting keeps their place in the queue.
 */
export async function requestSegmentRefresh(db: DataSource | EntityManager, customerIds: readonly string[]): Promise<void> {
  if (customerIds.length === 0) return;
  await db.query(
    `INSERT INTO segment_refresh_request (customer_id)
     SELECT DISTINCT unnest($1::uuid[])
     ON CONFLICT (customer_id) DO NOTHING`,
    [customerIds],
  );
}
