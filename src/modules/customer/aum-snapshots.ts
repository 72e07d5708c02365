import type { DataSource, EntityManager } from 'typeorm';
import { addDays, businessToday } from '../../common/business-date';
import type { Config } from '../../config';
import { AUM_PRODUCT_TYPES } from '../holding/holding.enums';

/**
 * numeric(18,2)'s largest value, where an AUM sum stops. Only wrong data
 * gets there (a rate or balance off by orders of magnitude, within each
 * value's own bounds), and a sum that failed its cast would fail the whole
 * refresh batch, again at every retry, and the nightly run with it.
 */
export const AUM_CAP = '9999999999999999.99';

/** Customers per statement when deriving for everyone, so that each statement stays well inside the statement timeout. */
const CHUNK = 5000;

/**
 * The months whose snapshots are derived, as their first days, oldest
 * first, up to today's month. The AUM_DROP signal reads the month one churn
 * window back; two windows cover a comparison of the window before it as
 * well, and one more month covers the partial month at the far edge. Older
 * months are left as they are, so the nightly work stays bounded however
 * much history the bank loads.
 */
export function derivedMonths(today: string, churnWindowDays: number): string[] {
  const monthIndex = (date: string) => {
    const [year, month] = date.split('-').map(Number);
    return year * 12 + (month - 1);
  };
  const months: string[] = [];
  for (let i = monthIndex(addDays(today, -2 * churnWindowDays)) - 1; i <= monthIndex(today); i++) {
    months.push(`${String(Math.floor(i / 12)).padStart(4, '0')}-${String((i % 12) + 1).padStart(2, '0')}-01`);
  }
  return months;
}

/**
 * Writes customers' monthly AUM snapshots (customer_aum_snapshot, read by
 * the AUM_DROP churn signal) from daily balances: for each of the
 * derivedMonths that has at least one daily balance of any of
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
  const months = derivedMonths(today, config.segmentation.churnWindowDays);
  if (customerIds !== undefined) return deriveFor(db, customerIds, months, today);

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
      months,
      today,
    );
    if (chunk.length < CHUNK) return written;
    after = chunk[chunk.length - 1].id;
  }
}

async function deriveFor(
  db: DataSource | EntityManager,
  customerIds: readonly string[],
  months: readonly string[],
  today: string,
): Promise<number> {
  if (customerIds.length === 0) return 0;
  const [{ written }]: { written: number }[] = await db.query(
    // One backward index probe per holding and month, however many days of balances a month holds.
    `WITH last_balance AS (
       SELECT h.customer_id, m.month, last.balance_date, last.balance, h.currency,
         p.type = ANY($4::text[]) AS counted
       FROM holding h
       JOIN product p ON p.id = h.product_id
       CROSS JOIN unnest($2::date[]) AS m(month)
       CROSS JOIN LATERAL (
         SELECT b.balance_date, b.balance FROM holding_daily_balance b
         WHERE b.holding_id = h.id AND b.balance_date >= m.month
           AND b.balance_date < (m.month + interval '1 month')::date AND b.balance_date <= $3::date
         ORDER BY b.balance_date DESC LIMIT 1
       ) last
       WHERE h.customer_id = ANY($1::uuid[])
     ),
     derived AS (
       SELECT lb.customer_id, lb.month,
         least(coalesce(sum(lb.balance * CASE WHEN lb.currency = 'CNY' THEN 1 ELSE (
             SELECT f.cny_per_unit FROM fx_rate f
             WHERE f.currency = lb.currency AND f.rate_date <= lb.balance_date ORDER BY f.rate_date DESC LIMIT 1) END)
           FILTER (WHERE lb.counted), 0), ${AUM_CAP})::numeric(18,2) AS aum
       FROM last_balance lb
       GROUP BY lb.customer_id, lb.month
     ),
     -- Unchanged snapshots are left out before the upsert, which would lock (and so write) each row it meets.
     changed AS (
       SELECT d.customer_id, d.month, d.aum FROM derived d
       WHERE d.aum IS DISTINCT FROM (
         SELECT s.aum FROM customer_aum_snapshot s WHERE s.customer_id = d.customer_id AND s.month = d.month)
     ),
     written AS (
       INSERT INTO customer_aum_snapshot AS s (customer_id, month, aum)
       SELECT customer_id, month, aum FROM changed ORDER BY customer_id, month
       ON CONFLICT (customer_id, month) DO UPDATE SET aum = EXCLUDED.aum
       WHERE s.aum IS DISTINCT FROM EXCLUDED.aum
       RETURNING 1
     )
     SELECT count(*)::int AS written FROM written`,
    [customerIds, months, today, AUM_PRODUCT_TYPES],
  );
  return written;
}
