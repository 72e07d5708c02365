import { loadConfig } from '../../src/config';
import { purgeExpiredRecords } from '../../src/modules/retention/record-retention';
import { useTestApp } from '../support/test-app';

/**
 * Retention per record kind (issue 20, item 6): what outlived its retention
 * is deleted, in chunks, and nothing younger. Leads and legal holds have
 * their own tests (leads, data-subject).
 */
const { app, make } = useTestApp();
const config = loadConfig({ ENROLLMENT_SKIP_RETENTION_DAYS: '30' });

it('deletes expired idempotency records across several chunks and keeps live ones', async () => {
  const principal = `retention-${Date.now()}`;
  // More than one chunk of 5,000 expired records, and one that expires tomorrow.
  await app.ds.query(
    `INSERT INTO idempotency_record (principal_id, key, operation, request_hash, expires_at)
     SELECT $1, 'k' || i, 'recordInteraction', 'h', now() - interval '1 hour' FROM generate_series(1, 12001) i`,
    [principal],
  );
  await app.ds.query(
    `INSERT INTO idempotency_record (principal_id, key, operation, request_hash, expires_at)
     VALUES ($1, 'live', 'recordInteraction', 'h', now() + interval '1 day')`,
    [principal],
  );
  const seen: number[] = [];
  const outcome = await purgeExpiredRecords(app.ds, config, new Date(), (kind, n) => {
    if (kind === 'idempotencyRecords') seen.push(n);
  });
  expect(outcome.purged.idempotencyRecords).toBeGreaterThanOrEqual(12001);
  // Progress after each chunk: three chunks at least.
  expect(seen.length).toBeGreaterThanOrEqual(3);
  const left = await app.ds.query(`SELECT key FROM idempotency_record WHERE principal_id = $1`, [principal]);
  expect(left).toEqual([{ key: 'live' }]);
});

it('deletes enrolment skip lists older than ENROLLMENT_SKIP_RETENTION_DAYS and keeps younger ones', async () => {
  const campaign = await make.campaign();
  const [oldCustomer, recentCustomer] = [await make.customer(), await make.customer()];
  const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
  const run = await make.finishedRun(campaign.id, [
    { customerId: oldCustomer.id, reason: 'NO_CONSENT', createdAt: daysAgo(31) },
    { customerId: recentCustomer.id, reason: 'NO_CONSENT', createdAt: daysAgo(29) },
  ]);
  const outcome = await purgeExpiredRecords(app.ds, config);
  expect(outcome.purged.enrollmentSkips).toBeGreaterThanOrEqual(1);
  const left = await app.ds.query(`SELECT customer_id FROM enrollment_skip_row WHERE run_id = $1`, [run.id]);
  expect(left).toEqual([{ customer_id: recentCustomer.id }]);
});

it('refuses a retention shorter than the skip list needs', () => {
  expect(() => loadConfig({ ENROLLMENT_SKIP_RETENTION_DAYS: '1' })).toThrow(/ENROLLMENT_SKIP_RETENTION_DAYS/);
});
