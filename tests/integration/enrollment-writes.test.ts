import { Role } from '../../src/auth/roles';
import { CampaignStatus } from '../../src/modules/campaign/campaign.enums';
import { EnrollmentJob } from '../../src/modules/campaign/enrollment-job';
import { ConsentPurpose } from '../../src/modules/consent/consent.enums';
import { KycStatus } from '../../src/modules/customer/customer.enums';
import { RiskLevel } from '../../src/modules/holding/holding.enums';
import { Channel } from '../../src/modules/interaction/interaction.enums';
import { AmlRating, RiskTolerance } from '../../src/modules/risk/risk.enums';
import { waitsForAdvisoryLock } from '../support/enrollment-runs';
import { useTestApp } from '../support/test-app';
import { loadConfig } from '../../src/config';

/**
 * Enrolment runs' cheaper writes (migration 1766908800000: skips one row per range and reason, enrolment
 * references checked by triggers instead of foreign keys) seen from what depended on the old shape: a run in
 * flight across the migration, deleters and TRUNCATE, retention's counts, and the migration both ways.
 */
const CAPS = loadConfig({}).contactCaps;
const { app, make } = useTestApp();
let manager: { sub: string; roles: Role[] };
let tagCounter = 0;

beforeAll(async () => {
  manager = { sub: (await make.staff()).id, roles: [Role.MARKETING_MANAGER] };
});

async function customer(o: { consent?: boolean; id?: string } = {}) {
  const c = await make.customer({ id: o.id, birthDate: '1980-01-01', kycStatus: KycStatus.VERIFIED });
  if (o.consent !== false) await make.consent(c.id, { purpose: ConsentPurpose.MARKETING, channel: Channel.WECHAT });
  await make.consent(c.id, { purpose: ConsentPurpose.PERSONALISED_MARKETING, channel: null, granted: true });
  await make.riskAssessment(c.id, {
    riskTolerance: RiskTolerance.C3,
    validUntil: '2099-01-01',
    assessedAt: new Date('2020-01-01T00:00:00Z'),
    amlRating: AmlRating.LOW,
  });
  return c;
}

async function campaignFor(customers: { id: string }[]) {
  const tag = await make.tag({ code: `REVIEW-W4-${++tagCounter}` });
  for (const c of customers) await make.customerTag(c.id, tag.id);
  const product = await make.product({ riskLevel: RiskLevel.R3 });
  return make.campaign({
    status: CampaignStatus.APPROVED,
    channels: [Channel.WECHAT],
    productId: product.id,
    targetTagCodes: [tag.code],
  });
}

/** The migration's own down: it must be the last one applied, or these tests would undo another. */
async function undoEnrollmentWritesMigration() {
  const [last] = await app.ds.query(`SELECT name FROM migrations ORDER BY timestamp DESC LIMIT 1`);
  expect(last.name).toBe('EnrollmentWritesWithoutPageTouches1766908800000');
  await app.ds.undoLastMigration({ transaction: 'each' });
}

const START = `mutation ($c: ID!, $ids: [ID!]) { enrollCustomers(campaignId: $c, customerIds: $ids) { id status } }`;

describe('migration 1766908800000 with an enrolment run in flight', () => {
  it('a run whose later range was done before the migration carries on after it', async () => {
    // Two ranges (chunkSize 1 over the book's 2 customers): ids below and above 8000…; both skipped NO_CONSENT.
    const low = await customer({ id: '20000000-0000-4000-8000-000000000001', consent: false });
    const high = await customer({ id: 'a0000000-0000-4000-8000-000000000001', consent: false });
    const campaign = await campaignFor([low, high]);
    const res = await app.gql(START, { c: campaign.id }, { as: manager });
    expect(res.errors).toBeUndefined();
    const runId: string = res.data.enrollCustomers.id;
    const job = new EnrollmentJob({ chunkSize: 1, statementTimeoutMs: 10_000, caps: CAPS });
    await job.plan(app.ds, runId);
    const chunks = await app.ds.query(`SELECT seq, sweep FROM enrollment_run_chunk WHERE run_id = $1 ORDER BY seq`, [
      runId,
    ]);
    expect(chunks.length).toBe(3); // two ranges and the sweep

    // Range 0 is in flight on another server (its row locked) while this one does range 1, as with 2 connections.
    const other = app.ds.createQueryRunner();
    await other.connect();
    await other.startTransaction();
    await other.query(`SELECT 1 FROM enrollment_run_chunk WHERE run_id = $1 AND seq = 0 FOR UPDATE`, [runId]);
    expect(await job.step(app.ds, runId)).toBe(true);
    await other.rollbackTransaction(); // that server dies: range 0 is not done
    await other.release();

    // The database as it was before the migration (its own down), then migrated up again by the new release.
    await undoEnrollmentWritesMigration();
    const [{ oldRows }] = await app.ds.query(`SELECT count(*)::int AS "oldRows" FROM enrollment_skip WHERE run_id = $1`, [
      runId,
    ]);
    expect(oldRows).toBe(1);
    await app.ds.runMigrations({ transaction: 'each' });

    // The new release's runner carries on with range 0 and the sweep.
    let error: unknown = null;
    try {
      while (await job.step(app.ds, runId));
    } catch (e) {
      error = e;
    }
    expect(error).toBeNull();
    const skipped = await app.ds.query(
      `SELECT customer_id FROM enrollment_skip_row WHERE run_id = $1 ORDER BY customer_id`,
      [runId],
    );
    expect(skipped.map((s: { customer_id: string }) => s.customer_id)).toEqual([low.id, high.id]);
  });
});

describe('campaign deletion and a range', () => {
  it('deleting a campaign while a range has taken the screening lock but not yet the campaign does not deadlock', async () => {
    const campaign = await make.campaign({ status: CampaignStatus.APPROVED, channels: [Channel.WECHAT] });
    // The range's order in EnrollmentJob.step: enrollment_screening_lock(false), then the campaign FOR SHARE.
    const range = app.ds.createQueryRunner();
    const deleter = app.ds.createQueryRunner();
    await range.connect();
    await deleter.connect();
    const codes: (string | undefined)[] = [];
    try {
      await range.startTransaction();
      await range.query(`SELECT enrollment_screening_lock(false)`);
      await deleter.startTransaction();
      const deletion = deleter
        .query(`DELETE FROM campaign WHERE id = $1`, [campaign.id])
        .then(() => deleter.commitTransaction())
        .then(
          () => undefined,
          async (e: { code?: string }) => {
            codes.push(e.code);
            await deleter.rollbackTransaction();
          },
        );
      expect(await waitsForAdvisoryLock(app.ds, deletion)).toBe(true);
      await range
        .query(`SELECT id FROM campaign WHERE id = $1 FOR SHARE`, [campaign.id])
        .then(() => range.commitTransaction())
        .catch(async (e: { code?: string }) => {
          codes.push(e.code);
          await range.rollbackTransaction();
        });
      await deletion;
    } finally {
      await range.release();
      await deleter.release();
    }
    // Before this change the deletion did not take the lock: the range waited for it and found no campaign.
    expect(codes).toEqual([]);
  });
});

describe('customers removed without a DELETE statement', () => {
  it('TRUNCATE customer CASCADE empties campaign_enrollment too, as with the foreign key', async () => {
    const c = await customer();
    const campaign = await make.campaign();
    await make.enrollment(campaign.id, c.id);
    const qr = app.ds.createQueryRunner();
    await qr.connect();
    let code: string | undefined = 'none';
    try {
      await qr.startTransaction();
      // CASCADE empties every table that references customer by a foreign key; campaign_enrollment no longer does.
      await qr.query(`TRUNCATE customer CASCADE`).catch((e: { code?: string }) => {
        code = e.code;
      });
      expect(code).toBe('none');
      const [{ n }] =
        code === 'none'
          ? await qr.query(
              `SELECT count(*)::int AS n FROM campaign_enrollment e WHERE NOT EXISTS (SELECT 1 FROM customer c WHERE c.id = e.customer_id)`,
            )
          : [{ n: 0 }];
      expect(n).toBe(0);
    } finally {
      await qr.rollbackTransaction();
      await qr.release();
    }
  });
});

describe('counts reported after the skip rows were aggregated', () => {
  it("retention's purged.enrollmentSkips counts skipped customers, as it did", async () => {
    const skipped = [await customer({ consent: false }), await customer({ consent: false }), await customer({ consent: false })];
    const campaign = await campaignFor(skipped);
    const res = await app.gql(START, { c: campaign.id, ids: skipped.map((c) => c.id) }, { as: manager });
    expect(res.errors).toBeUndefined();
    const runId: string = res.data.enrollCustomers.id;
    const job = new EnrollmentJob({ chunkSize: 25_000, statementTimeoutMs: 10_000, caps: CAPS });
    await job.plan(app.ds, runId);
    while (await job.step(app.ds, runId));
    const [{ n }] = await app.ds.query(`SELECT count(*)::int AS n FROM enrollment_skip_row WHERE run_id = $1`, [runId]);
    expect(n).toBe(3);
    await app.ds.query(`UPDATE enrollment_skip SET created_at = now() - interval '400 days' WHERE run_id = $1`, [runId]);
    const { purgeExpiredRecords } = await import('../../src/modules/retention/record-retention');
    const outcome = await purgeExpiredRecords(app.ds, loadConfig({ ENROLLMENT_SKIP_RETENTION_DAYS: '30' }));
    expect(outcome.purged.enrollmentSkips).toBe(3);
  });
});

describe('migration 1766908800000 down and up again', () => {
  it('keeps every skip (run, customer, reason, time) and every enrolment both ways', async () => {
    const cs = [await customer({ consent: false }), await customer({ consent: false }), await customer()];
    const campaign = await campaignFor(cs);
    const res = await app.gql(START, { c: campaign.id, ids: cs.map((c) => c.id) }, { as: manager });
    const runId: string = res.data.enrollCustomers.id;
    const job = new EnrollmentJob({ chunkSize: 25_000, statementTimeoutMs: 10_000, caps: CAPS });
    await job.plan(app.ds, runId);
    while (await job.step(app.ds, runId));
    const skipsSql = (table: string) =>
      `SELECT run_id, customer_id, campaign_id, reason, created_at::text FROM ${table} ORDER BY run_id, customer_id`;
    const enrolmentsSql = `SELECT id, campaign_id, customer_id, status, run_id FROM campaign_enrollment ORDER BY id`;
    const before = { skips: await app.ds.query(skipsSql('enrollment_skip_row')), enrolments: await app.ds.query(enrolmentsSql) };
    expect(before.skips.length).toBeGreaterThanOrEqual(2);
    await undoEnrollmentWritesMigration();
    expect(await app.ds.query(skipsSql('enrollment_skip'))).toEqual(before.skips);
    expect(await app.ds.query(enrolmentsSql)).toEqual(before.enrolments);
    await app.ds.runMigrations({ transaction: 'each' });
    expect(await app.ds.query(skipsSql('enrollment_skip_row'))).toEqual(before.skips);
    expect(await app.ds.query(enrolmentsSql)).toEqual(before.enrolments);
  });
});
