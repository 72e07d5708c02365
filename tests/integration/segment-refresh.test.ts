import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { businessToday } from '../../src/common/business-date';
import { loadConfig } from '../../src/config';
import { createDataSource } from '../../src/db/data-source';
import { deriveAumSnapshots } from '../../src/modules/customer/aum-snapshots';
import { CustomerEntity } from '../../src/modules/customer/customer.entity';
import { SegmentRefresher, SegmentRefreshLog } from '../../src/modules/customer/segment-refresh-loop';
import { SegmentRefreshMetrics } from '../../src/modules/customer/segment-refresh-metrics';
import { reconcileSegments } from '../../src/modules/customer/segment-refresh-nightly';
import { requestSegmentRefresh } from '../../src/modules/customer/segment-refresh-request';
import { drainSegmentRefresh } from '../../src/modules/customer/segment-refresh-worker';
import { ProductType } from '../../src/modules/holding/holding.enums';
import { Factory } from '../support/factories';
import { queuedCustomerIds, waitForSegmentRefresh } from '../support/segment-refresh';
import { createTestDatabase } from '../support/test-database';

const run = promisify(execFile);
const config = loadConfig({ SEGMENT_REFRESH_POLL_MS: '20' });
// 2026-11-27 10:00 in Shanghai: the churn window reads the snapshot of August 2026.
const now = new Date('2026-11-27T02:00:00Z');

let database: { url: string; drop(): Promise<void> };
let ds: DataSource;
let make: Factory;

beforeAll(async () => {
  database = await createTestDatabase();
  ds = createDataSource(database.url, { poolSize: 10 });
  await ds.initialize();
  make = new Factory(ds);
});
afterAll(async () => {
  await ds.destroy();
  await database.drop();
});

const reload = (id: string) => ds.getRepository(CustomerEntity).findOneByOrFail({ id });

async function dailyBalances(holdingId: string, balances: Record<string, string>): Promise<void> {
  await ds.query(
    `INSERT INTO holding_daily_balance (holding_id, balance_date, balance)
     SELECT $1, d, b FROM unnest($2::date[], $3::numeric[]) AS u(d, b)`,
    [holdingId, Object.keys(balances), Object.values(balances)],
  );
}

async function snapshotsOf(customerId: string): Promise<Record<string, string>> {
  const rows: { month: string; aum: string }[] = await ds.query(
    `SELECT month::text AS month, aum::text AS aum FROM customer_aum_snapshot WHERE customer_id = $1 ORDER BY month`,
    [customerId],
  );
  return Object.fromEntries(rows.map((r) => [r.month, r.aum]));
}

/** A customer of 56 whose only holding is a deposit, refreshed once: MASS. */
async function massCustomer(balance = '100000.00') {
  const customer = await make.customer({ birthDate: '1970-01-01' });
  const holding = await make.holding(customer.id, { balance });
  await requestSegmentRefresh(ds, [customer.id]);
  await drainSegmentRefresh(ds, config, { batchSize: 10, now });
  expect((await reload(customer.id)).tier).toBe('MASS');
  return { customer, holding };
}

/** Resolves once `count` backends of this database wait for a lock: a transaction of the test is in the way. */
async function untilWaitingForLocks(count: number): Promise<void> {
  for (;;) {
    const [{ waiting }] = await ds.query(
      `SELECT count(*)::int AS waiting FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if (waiting >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the refresh worker', () => {
  it('gives a customer whose new holding crosses the wealth threshold the new AUM and tier once the queue drains', async () => {
    const refresher = new SegmentRefresher(ds, config, { log: { error: () => undefined } });
    refresher.start();
    try {
      const { customer, holding } = await massCustomer();
      const fund = await make.product({ type: ProductType.FUND });
      const newHolding = await make.holding(customer.id, { productId: fund.id, balance: '450000.00' });
      const today = businessToday(config.businessTimeZone);
      await dailyBalances(holding.id, { [today]: '100000.00' });
      await dailyBalances(newHolding.id, { [today]: '450000.00' });
      await requestSegmentRefresh(ds, [customer.id]);

      await waitForSegmentRefresh(ds);

      const after = await reload(customer.id);
      expect(after.aum).toBe('550000.00');
      expect(after.tier).toBe('WEALTH');
      expect(await snapshotsOf(customer.id)).toEqual({ [`${today.slice(0, 8)}01`]: '550000.00' });
    } finally {
      await refresher.stop();
    }
  });

  it('raises AUM_DROP from snapshots derived from daily balances: the month’s last balance, at that day’s rate', async () => {
    const customer = await make.customer({ birthDate: '1970-01-01' });
    const fund = await make.product({ type: ProductType.FUND });
    const deposit = await make.holding(customer.id, { balance: '40000.00' });
    const dollars = await make.holding(customer.id, { productId: fund.id, balance: '6000.00', currency: 'USD' });
    const loan = await make.product({ type: ProductType.LOAN });
    const mortgage = await make.holding(customer.id, { productId: loan.id, balance: '900000.00' });
    await make.fxRate('USD', '2026-08-15', '6.500000');
    await make.fxRate('USD', '2026-08-31', '7.000000');
    await make.fxRate('USD', '2026-11-20', '7.200000');
    await dailyBalances(deposit.id, { '2026-08-10': '90000.00', '2026-08-31': '60000.00', '2026-02-27': '1.00' });
    // The dollars' last August balance is on the 30th: the rate of the 15th applies, not the 31st's nor today's.
    await dailyBalances(dollars.id, { '2026-08-15': '12000.00', '2026-08-30': '10000.00' });
    await dailyBalances(mortgage.id, { '2026-08-31': '900000.00' });
    // What the seed wrote: August replaced from daily balances, July (no daily balances) kept.
    await make.aumSnapshot(customer.id, '2026-07-01', '70000.00');
    await make.aumSnapshot(customer.id, '2026-08-01', '80000.00');
    await requestSegmentRefresh(ds, [customer.id]);

    expect(await drainSegmentRefresh(ds, config, { batchSize: 10, now })).toBe(1);

    // 60,000 + 10,000 USD × 6.5; the loan is not AUM; February is before the derived window.
    expect(await snapshotsOf(customer.id)).toEqual({ '2026-07-01': '70000.00', '2026-08-01': '125000.00' });
    const after = await reload(customer.id);
    // Now 40,000 + 6,000 USD × 7.2 = 83,200: down more than 30% from 125,000.
    expect(after.aum).toBe('83200.00');
    expect(after.churnSignals).toEqual(['AUM_DROP']);
    expect(await deriveAumSnapshots(ds, config, [customer.id], now)).toBe(0);
  });

  it('caps an AUM beyond numeric(18,2) instead of failing: one such customer must not stop the queue or the nightly run', async () => {
    // Within the loader's bounds (a rate of up to 12 integer digits, a balance up to 999,999,999,999.99).
    await make.fxRate('ZZZ', '2026-11-01', '999999999999.999999');
    const whale = await make.customer({ birthDate: '1970-01-01' });
    const holding = await make.holding(whale.id, { balance: '999999999999.99', currency: 'ZZZ' });
    await dailyBalances(holding.id, { '2026-11-20': '999999999999.99' });
    const { customer: neighbour } = await massCustomer();
    await make.holding(neighbour.id, { balance: '7000000.00' });
    await requestSegmentRefresh(ds, [whale.id, neighbour.id]);

    expect(await drainSegmentRefresh(ds, config, { batchSize: 10, now })).toBe(2);

    expect(await reload(whale.id)).toMatchObject({ aum: '9999999999999999.99', tier: 'PRIVATE_BANKING' });
    expect(await snapshotsOf(whale.id)).toEqual({ '2026-11-01': '9999999999999999.99' });
    expect((await reload(neighbour.id)).tier).toBe('PRIVATE_BANKING');
    await expect(reconcileSegments(ds, config, now)).resolves.toMatchObject({ corrected: expect.any(Number) });
  });

  it('lets two concurrent drains refresh every queued customer exactly once', async () => {
    const customers = [];
    for (let i = 0; i < 40; i++) {
      const customer = await make.customer({ birthDate: '1970-01-01' });
      await make.holding(customer.id, { balance: `${1000 + i}.00` });
      customers.push(customer);
    }
    await requestSegmentRefresh(
      ds,
      customers.map((c) => c.id),
    );

    const counts = await Promise.all([
      drainSegmentRefresh(ds, config, { batchSize: 7, now }),
      drainSegmentRefresh(ds, config, { batchSize: 7, now }),
    ]);

    expect(counts[0] + counts[1]).toBe(40);
    expect(await queuedCustomerIds(ds)).toEqual([]);
    for (const [i, customer] of customers.entries()) expect((await reload(customer.id)).aum).toBe(`${1000 + i}.00`);
  });

  it('refreshes again a customer queued while their refresh was in flight', async () => {
    const { customer, holding } = await massCustomer();
    await dailyBalances(holding.id, { '2026-11-20': '100000.00' });
    await make.aumSnapshot(customer.id, '2026-11-01', '1.00');
    await requestSegmentRefresh(ds, [customer.id]);
    // Holds the snapshot the worker is about to rewrite: its batch stops there, with the customer claimed.
    const blocker = ds.createQueryRunner();
    const writer = ds.createQueryRunner();
    try {
      await blocker.startTransaction();
      await blocker.query(`SELECT 1 FROM customer_aum_snapshot WHERE customer_id = $1 FOR UPDATE`, [customer.id]);
      const draining = drainSegmentRefresh(ds, config, { batchSize: 10, now });
      await untilWaitingForLocks(1);

      await writer.startTransaction();
      await writer.query(`UPDATE holding SET balance = 7000000 WHERE id = $1`, [holding.id]);
      const requesting = requestSegmentRefresh(writer.manager, [customer.id]);
      await untilWaitingForLocks(2);
      await blocker.rollbackTransaction();
      expect(await draining).toBe(1);
      await requesting;
      await writer.commitTransaction();
    } finally {
      await blocker.release();
      await writer.release();
    }

    expect(await queuedCustomerIds(ds)).toEqual([customer.id]);
    expect((await reload(customer.id)).tier).toBe('MASS');
    expect(await drainSegmentRefresh(ds, config, { batchSize: 10, now })).toBe(1);
    expect((await reload(customer.id)).tier).toBe('PRIVATE_BANKING');
  });

  it('does not refresh a waiting customer from stale data while a writer who queued them again is still open', async () => {
    const { customer, holding } = await massCustomer();
    await requestSegmentRefresh(ds, [customer.id]);
    const writer = ds.createQueryRunner();
    try {
      await writer.startTransaction();
      await writer.query(`UPDATE holding SET balance = 7000000 WHERE id = $1`, [holding.id]);
      await requestSegmentRefresh(writer.manager, [customer.id]);

      expect(await drainSegmentRefresh(ds, config, { batchSize: 10, now })).toBe(0);
      await writer.commitTransaction();
    } finally {
      await writer.release();
    }

    expect(await drainSegmentRefresh(ds, config, { batchSize: 10, now })).toBe(1);
    expect((await reload(customer.id)).tier).toBe('PRIVATE_BANKING');
  });

  it('passes over a customer whose row a writer is changing, without waiting for it', async () => {
    const { customer } = await massCustomer();
    const writer = ds.createQueryRunner();
    try {
      await writer.startTransaction();
      await writer.query(`UPDATE customer SET kyc_status = 'EXPIRED' WHERE id = $1`, [customer.id]);
      await requestSegmentRefresh(ds, [customer.id]);

      expect(await drainSegmentRefresh(ds, config, { batchSize: 10, now })).toBe(0);
      expect(await queuedCustomerIds(ds)).toEqual([customer.id]);
      await writer.commitTransaction();
    } finally {
      await writer.release();
    }
    expect(await drainSegmentRefresh(ds, config, { batchSize: 10, now })).toBe(1);
  });

  it('keeps a failed batch queued, logs it without personal data, counts it, and retries it on a later tick', async () => {
    const { customer } = await massCustomer();
    await make.holding(customer.id, { balance: '600000.00' });
    await ds.query(`CREATE FUNCTION refuse_segment_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'refusing to segment %', NEW.name; END $$`);
    await ds.query(`CREATE TRIGGER refuse_segment_update BEFORE UPDATE ON customer FOR EACH ROW
      WHEN (NEW.id = '${customer.id}'::uuid) EXECUTE FUNCTION refuse_segment_update()`);
    const logged: Record<string, unknown>[] = [];
    const log: SegmentRefreshLog = { error: (details, message) => logged.push({ ...details, message }) };
    const registry = new Registry();
    const refresher = new SegmentRefresher(ds, config, { log, registry });
    const failedBatches = async () =>
      (await registry.getSingleMetric('segment_refresh_failed_batches_total')!.get()).values[0].value;
    await requestSegmentRefresh(ds, [customer.id]);
    refresher.start();
    try {
      while ((await failedBatches()) < 2) await new Promise((resolve) => setTimeout(resolve, 10));

      expect(await queuedCustomerIds(ds)).toEqual([customer.id]);
      expect((await reload(customer.id)).tier).toBe('MASS');
      expect(logged[0]).toEqual({
        errorType: 'QueryFailedError',
        sqlState: 'P0001',
        message: 'segment refresh batch failed; its customers stay queued',
      });
      expect(JSON.stringify(logged)).not.toContain(customer.name);

      await ds.query(`DROP TRIGGER refuse_segment_update ON customer`);
      await waitForSegmentRefresh(ds);
      expect((await reload(customer.id)).tier).toBe('WEALTH');
    } finally {
      await refresher.stop();
      await ds.query(`DROP TRIGGER IF EXISTS refuse_segment_update ON customer`);
      await ds.query(`DROP FUNCTION IF EXISTS refuse_segment_update()`);
    }
  });

  it('reports the waiting requests, the oldest one’s age and the customers refreshed as metrics', async () => {
    const first = await make.customer();
    const second = await make.customer();
    await requestSegmentRefresh(ds, [first.id, second.id]);
    await ds.query(
      `UPDATE segment_refresh_request SET requested_at = now() - interval '30 seconds' WHERE customer_id = $1`,
      [first.id],
    );
    const registry = new Registry();
    const metrics = new SegmentRefreshMetrics(registry, ds);
    const value = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0]?.value;

    expect(await value('segment_refresh_queue_waiting')).toBe(2);
    expect(await value('segment_refresh_queue_oldest_age_seconds')).toBeGreaterThanOrEqual(30);
    expect(await value('segment_refresh_queue_oldest_age_seconds')).toBeLessThan(60);

    expect(await drainSegmentRefresh(ds, config, { batchSize: 10, now, metrics })).toBe(2);
    expect(await value('segment_refresh_customers_total')).toBe(2);
    expect(await value('segment_refresh_failed_batches_total')).toBe(0);
    const text = await registry.metrics();
    expect(text).toContain('segment_refresh_queue_waiting 0');
    expect(text).toContain('segment_refresh_queue_oldest_age_seconds 0');
  });
});

describe('the nightly reconciliation', () => {
  it('corrects only what was wrong and says how much, then finds nothing to correct', async () => {
    const [senior] = await ds.query(`SELECT id FROM tag WHERE code = 'SENIOR_CUSTOMER'`);
    const seniorTagId: string = senior?.id ?? (await make.tag({ code: 'SENIOR_CUSTOMER' })).id;
    const wrongTier = await make.customer({ birthDate: '1970-01-01' });
    const wrongAum = await make.customer({ birthDate: '1970-01-01' });
    const untagged = await make.customer({ birthDate: '1950-01-01' });
    for (const c of [wrongTier, wrongAum, untagged]) await make.holding(c.id, { balance: '20000.00' });
    await reconcileSegments(ds, config, now);

    await ds.query(`UPDATE customer SET tier = 'PRIVATE_BANKING' WHERE id = $1`, [wrongTier.id]);
    await ds.query(`UPDATE customer SET aum = 1 WHERE id = $1`, [wrongAum.id]);
    await ds.query(`DELETE FROM customer_tag WHERE customer_id = $1 AND tag_id = $2`, [untagged.id, seniorTagId]);

    const outcome = await reconcileSegments(ds, config, now);
    expect(outcome).toMatchObject({ corrected: 2, tagsCorrected: 1, snapshotsWritten: 0 });
    expect(outcome.customers).toBe((await ds.query(`SELECT count(*)::int AS n FROM customer`))[0].n);
    expect((await reload(wrongTier.id)).tier).toBe('MASS');
    expect((await reload(wrongAum.id)).aum).toBe('20000.00');

    expect(await reconcileSegments(ds, config, now)).toMatchObject({
      corrected: 0,
      tagsCorrected: 0,
      snapshotsWritten: 0,
    });
  });

  it('is what `npm run segment` runs, printing the corrected count, then the retention purge', async () => {
    const env = { ...process.env, DATABASE_URL: database.url, NODE_ENV: 'test' };
    const script = ['-r', '@swc-node/register', 'scripts/segment.ts'];
    const first = await run(process.execPath, script, { env });
    expect(first.stdout).toMatch(/^segmented \d+ customers in \d+ ms; corrected \d+ \(rule tags changed for \d+;/);
    const second = await run(process.execPath, script, { env });
    expect(second.stdout).toMatch(
      /^segmented \d+ customers in \d+ ms; corrected 0 \(rule tags changed for 0; AUM snapshots written 0; churn episodes started 0, ended 0\)\nretention: deleted idempotencyRecords 0, enrollmentSkips 0, leads 0; legal holds released 0\nretention: audit records before \S+: partitions dropped: none\n$/,
    );
  });
});
