import type { DataSource, EntityManager } from 'typeorm';
import { addDays, businessToday } from '../../common/business-date';
import type { Config } from '../../config';
import { AUM_PRODUCT_TYPES } from '../holding/holding.enums';

/** Customers per statement when deriving for everyone, so that each statement stays well inside the statement timeout. */
const CHUNK = 5000;

/**
 * The first month whose snapshot is derived. The AUM_DROP signal reads the
 * month one churn window back; two windows cover a comparison of the window
 * before it as well, and one more month covers the partial month at the far
 * edge. Older months are left as they are, so the nightly work stays bounded
 * however much history the bank loads.
 */
export function firstDerivedMonth(today: string, churnWindowDays: number): string {
  const [year, month] = addDays(today, -2 * churnWindowDays).split('-').map(Number);
  const monthsSinceYearZero = year * 12 + (month - 1) - 1;
  const y = Math.floor(monthsSinceYearZero / 12);
  const m = (monthsSinceYearZero % 12) + 1;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-01`;
}

/**
 * Writes customers' monthly AUM snapshots (customer_aum_snapshot, read by
 * the AUM_DROP churn signal) from daily balances: for each month from
 * firstDerivedMonth to today that has at least one daily balance of any of
 * the customer's holdings, the sum over holdings of AUM product types of the
 * month's last daily balance of each, converted to CNY at that day's rate
 * (the rate of that date or the latest before it; a currency without one
 * counts for nothing, as in the live AUM). A holding without a balance in a
 * month counts for nothing in it. Months without any daily balance keep the
 * snapshot they have. A snapshot is rewritten only when its value changes.
 * Rows are written in (customer, month) order, the same in every caller, so
 * that two writers never wait on each other in a cycle.
 *
 * `customerIds` undefined means every customer. Returns the number of
 * snapshots written (new or changed).
 */
export async function deriveAumSnapshots(
  db: DataSource | EntityManager,
  config: Config,
  customerIds: readonly string[] | undefined,
  now: Date = new Date(),
): Promise<number> {
  const today = businessToday(config.businessTimeZone, now);
  const from = firstDerivedMonth(today, config.segmentation.churnWindowDays);
  if (customerIds !== undefined) return deriveFor(db, customerIds, from, today);

  let written = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const chunk: { id: string }[] = await db.query(`SELECT id FROM customer WHERE id > $1 ORDER BY id LIMIT $2`, [
      after,
      CHUNK,
    ]);
    if (chunk.length === 0) return written;
    written += await deriveFor(
      db,
      chunk.map((c) => c.id),
      from,
      today,
    );
    if (chunk.length < CHUNK) return written;
    after = chunk[chunk.length - 1].id;
  }
}

async function deriveFor(
  db: DataSource | EntityManager,
  customerIds: readonly string[],
  from: string,
  today: string,
): Promise<number> {
  if (customerIds.length === 0) return 0;
  const [{ written }]: { written: number }[] = await db.query(
    `WITH last_balance AS (
       SELECT DISTINCT ON (b.holding_id, date_trunc('month', b.balance_date))
         h.customer_id, date_trunc('month', b.balance_date)::date AS month, b.balance_date, b.balance, h.currency,
         p.type = ANY($4::text[]) AS counted
       FROM holding h
       JOIN product p ON p.id = h.product_id
       JOIN holding_daily_balance b ON b.holding_id = h.id AND b.balance_date >= $2::date AND b.balance_date <= $3::date
       WHERE h.customer_id = ANY($1::uuid[])
       ORDER BY b.holding_id, date_trunc('month', b.balance_date), b.balance_date DESC
     ),
     derived AS (
       SELECT lb.customer_id, lb.month,
         coalesce(sum(lb.balance * CASE WHEN lb.currency = 'CNY' THEN 1 ELSE (
             SELECT f.cny_per_unit FROM fx_rate f
             WHERE f.currency = lb.currency AND f.rate_date <= lb.balance_date ORDER BY f.rate_date DESC LIMIT 1) END)
           FILTER (WHERE lb.counted), 0)::numeric(18,2) AS aum
       FROM last_balance lb
       GROUP BY lb.customer_id, lb.month
     ),
     written AS (
       INSERT INTO customer_aum_snapshot AS s (customer_id, month, aum)
       SELECT customer_id, month, aum FROM derived ORDER BY customer_id, month
       ON CONFLICT (customer_id, month) DO UPDATE SET aum = EXCLUDED.aum
       WHERE s.aum IS DISTINCT FROM EXCLUDED.aum
       RETURNING 1
     )
     SELECT count(*)::int AS written FROM written`,
    [customerIds, from, today, AUM_PRODUCT_TYPES],
  );
  return written;
}
