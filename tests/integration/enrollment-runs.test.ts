import { Role } from '../../src/auth/roles';
import { LeasedJobRunner } from '../../src/jobs/leased-job-runner';
import { CampaignStatus } from '../../src/modules/campaign/campaign.enums';
import { EnrollmentJob } from '../../src/modules/campaign/enrollment-job';
import { ConsentPurpose } from '../../src/modules/consent/consent.enums';
import { KycStatus, Tier } from '../../src/modules/customer/customer.enums';
import { RiskLevel } from '../../src/modules/holding/holding.enums';
import { Channel, InteractionType } from '../../src/modules/interaction/interaction.enums';
import { AmlRating, RiskTolerance } from '../../src/modules/risk/risk.enums';
import { waitForRun, waitsForAdvisoryLock } from '../support/enrollment-runs';
import { AUDITOR, useTestApp } from '../support/test-app';
import { loadConfig } from '../../src/config';
import { businessToday } from '../../src/common/business-date';

/**
 * Enrolment runs as jobs (issue 18, item 4). The app here runs no runner:
 * each test drives runs itself (an EnrollmentJob step by step, or a
 * LeasedJobRunner it starts and stops), so that a run can be watched while
 * it is RUNNING, and a dead server's lease can be staged.
 */
const CAPS = loadConfig({}).contactCaps;
const { app, make } = useTestApp();

const START = `mutation ($c: ID!, $ids: [ID!]) { enrollCustomers(campaignId: $c, customerIds: $ids) {
  id status progress { done total } enrolled skipped { reason count } failureReason finishedAt } }`;
const RUN = `id status progress { done total } enrolled skipped { reason count } failureReason
  skippedCustomers(first: 100) { totalCount edges { node { customerId reason } } }`;

let manager: { sub: string; roles: Role[] };
let tagCounter = 0;

beforeAll(async () => {
  manager = { sub: (await make.staff()).id, roles: [Role.MARKETING_MANAGER] };
});

/** A runner like a server's, on the test's database; stopped by the caller. */
function runner(settings: Partial<{ chunkSize: number; connections: number; leaseMs: number }> = {}) {
  return new LeasedJobRunner(
    app.ds,
    new EnrollmentJob({ chunkSize: settings.chunkSize ?? 2, statementTimeoutMs: 10_000, caps: CAPS }),
    { pollMs: 20, connections: settings.connections ?? 2, leaseMs: settings.leaseMs ?? 5_000, maxClaims: 5 },
    { info: () => undefined, error: () => undefined },
  );
}

async function customer(
  o: {
    consent?: boolean;
    withdrawn?: boolean;
    aml?: AmlRating;
    kyc?: KycStatus;
    tolerance?: RiskTolerance;
    tier?: Tier;
    id?: string;
  } = {},
) {
  const c = await make.customer({
    id: o.id,
    birthDate: '1980-01-01',
    kycStatus: o.kyc ?? KycStatus.VERIFIED,
    tier: o.tier,
  });
  if (o.consent !== false) await make.consent(c.id, { purpose: ConsentPurpose.MARKETING, channel: Channel.WECHAT });
  await make.consent(c.id, { purpose: ConsentPurpose.PERSONALISED_MARKETING, channel: null, granted: !o.withdrawn });
  await make.riskAssessment(c.id, {
    riskTolerance: o.tolerance ?? RiskTolerance.C3,
    validUntil: '2099-01-01',
    assessedAt: new Date('2020-01-01T00:00:00Z'),
    amlRating: o.aml ?? AmlRating.LOW,
  });
  return c;
}

/** An APPROVED campaign whose segment is the customers given (by a tag of its own). */
async function campaignFor(customers: { id: string }[], riskLevel = RiskLevel.R3) {
  const tag = await make.tag({ code: `RUNS-${++tagCounter}` });
  for (const c of customers) await make.customerTag(c.id, tag.id);
  const product = await make.product({ riskLevel });
  return make.campaign({
    status: CampaignStatus.APPROVED,
    channels: [Channel.WECHAT],
    productId: product.id,
    targetTagCodes: [tag.code],
  });
}

/**
 * Cuts the run's plan at the present, as on a database where no other
 * transaction was running when it was planned: a transaction left open
 * anywhere in the cluster (another session's benchmark) holds the plan's
 * snapshot back, and then every customer written since is the sweep's
 * rather than its range's. Sound either way; this makes the split between
 * ranges and sweep the one a test expects.
 */
async function asOnAQuietDatabase(runId: string) {
  await app.ds.query(`UPDATE enrollment_run SET screened_since = pg_current_xact_id() WHERE id = $1`, [runId]);
}

async function start(campaignId: string, ids?: string[]) {
  const res = await app.gql(START, { c: campaignId, ids }, { as: manager });
  expect(res.errors).toBeUndefined();
  return res.data.enrollCustomers;
}

describe('an enrolment run', () => {
  it('answers at once, RUNNING with no counts, shows its progress range by range, and ends with the counts per rule', async () => {
    const ok = await customer();
    const noConsent = await customer({ consent: false });
    const optedOut = await customer({ withdrawn: true });
    const aml = await customer({ aml: AmlRating.HIGH });
    const kyc = await customer({ kyc: KycStatus.PENDING });
    const unsuitable = await customer({ tolerance: RiskTolerance.C1 });
    const campaign = await campaignFor([ok, noConsent, optedOut, aml, kyc, unsuitable]);

    const run = await start(campaign.id);
    expect(run).toMatchObject({ status: 'RUNNING', progress: { done: 0, total: null }, enrolled: null, skipped: null });

    // One range at a time, as a runner's connection takes them.
    const job = new EnrollmentJob({ chunkSize: 3, statementTimeoutMs: 10_000, caps: CAPS });
    await job.plan(app.ds, run.id);
    const [{ total }] = await app.ds.query(`SELECT count(*)::int AS total FROM customer`);
    // The first range of ids, with its share of the customers counted at the plan (about chunkSize).
    const [first] = await app.ds.query(`SELECT size FROM enrollment_run_chunk WHERE run_id = $1 AND seq = 0`, [
      run.id,
    ]);
    expect(first.size).toBeGreaterThanOrEqual(1);
    expect(first.size).toBeLessThanOrEqual(3);
    expect(await job.step(app.ds, run.id)).toBe(true);
    const midway = await app.gql(
      `query ($id: ID!) { enrollmentRun(id: $id) { ${RUN} } }`,
      { id: run.id },
      { as: manager },
    );
    expect(midway.data.enrollmentRun).toMatchObject({
      status: 'RUNNING',
      progress: { done: first.size, total },
      enrolled: null,
      skipped: null,
    });
    while (await job.step(app.ds, run.id));
    expect(await job.finish(app.ds, run.id)).toBe(true);

    const ended = (await waitForRun(app, run.id, manager, RUN)).data.enrollmentRun;
    // The auditor, who sees every customer, reads the opted-out one listed too, and the counts that
    // small-cohort suppression withholds from the manager (each covers fewer than K_ANONYMITY_MIN customers).
    const audited = (await waitForRun(app, run.id, AUDITOR, RUN)).data.enrollmentRun;
    expect(ended).toMatchObject({ status: 'SUCCEEDED', progress: { done: total, total }, enrolled: null });
    expect(audited).toMatchObject({
      status: 'SUCCEEDED',
      progress: { done: total, total },
      enrolled: 1,
      failureReason: null,
    });
    expect(audited.skipped).toEqual([
      { reason: 'OPTED_OUT', count: 1 },
      { reason: 'NO_CONSENT', count: 1 },
      { reason: 'NOT_ELIGIBLE', count: 1 },
      { reason: 'KYC_NOT_CURRENT', count: 1 },
      { reason: 'UNSUITABLE', count: 1 },
    ]);
    // To marketing, a reason fewer than K_ANONYMITY_MIN customers were skipped for lists nobody: its rows would count
    // what its withheld count hides (opted-out customers are never listed to marketing: purpose-bound-reads.test.ts).
    expect(ended.skippedCustomers.edges).toEqual([]);
    expect(
      Object.fromEntries(audited.skippedCustomers.edges.map((e: any) => [e.node.customerId, e.node.reason])),
    ).toEqual({
      [optedOut.id]: 'OPTED_OUT',
      [noConsent.id]: 'NO_CONSENT',
      [aml.id]: 'NOT_ELIGIBLE',
      [kyc.id]: 'KYC_NOT_CURRENT',
      [unsuitable.id]: 'UNSUITABLE',
    });
    const records = await app.ds.query(
      `SELECT actor_id, request_id, detail FROM audit_record WHERE operation = 'enrollCustomers' AND detail->>'runId' = $1`,
      [run.id],
    );
    expect(records).toHaveLength(1);
    expect(records[0].actor_id).toBe(manager.sub);
    expect(records[0].detail).toMatchObject({ status: 'SUCCEEDED', enrolled: 1, notEligibleBy: { AML_HIGH: 1 } });
  });

  it('is CONFLICT while another run of the campaign is RUNNING, naming it; a new one may start once it has ended', async () => {
    const c = await customer();
    const campaign = await campaignFor([c]);
    const first = await start(campaign.id);
    const second = await app.gql(START, { c: campaign.id }, { as: manager });
    expect(second.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', runId: first.id });
    expect(second.data).toBeNull();

    const r = runner();
    r.start();
    await waitForRun(app, first.id, manager, 'id');
    await r.stop();
    const third = await start(campaign.id);
    expect(third.id).not.toBe(first.id);
  });

  it('is taken over by another runner once the lease of the server that was running it lapses', async () => {
    const customers = [await customer(), await customer(), await customer({ consent: false })];
    const campaign = await campaignFor(customers);
    const run = await start(campaign.id);
    // A server claimed it, did one range and died: its lease is past.
    const job = new EnrollmentJob({ chunkSize: 2, statementTimeoutMs: 10_000, caps: CAPS });
    await job.plan(app.ds, run.id);
    await job.step(app.ds, run.id);
    await app.ds.query(
      `UPDATE enrollment_run SET lease_owner = 'dead-server', lease_expires_at = now() - interval '1 second', claims = 1
       WHERE id = $1`,
      [run.id],
    );
    const r = runner({ chunkSize: 2 });
    r.start();
    const ended = (await waitForRun(app, run.id, AUDITOR, RUN)).data.enrollmentRun;
    await r.stop();
    expect(ended).toMatchObject({ status: 'SUCCEEDED', enrolled: 2, skipped: [{ reason: 'NO_CONSENT', count: 1 }] });
    const [row] = await app.ds.query(`SELECT claims, done, total FROM enrollment_run WHERE id = $1`, [run.id]);
    expect(row.claims).toBe(2);
    expect(row.done).toBe(row.total);
    const [{ n }] = await app.ds.query(`SELECT count(*)::int AS n FROM campaign_enrollment WHERE campaign_id = $1`, [
      campaign.id,
    ]);
    expect(n).toBe(2);
  });

  it('fails with a coded reason, keeping the ranges done and nothing of the range that failed', async () => {
    const customers = [await customer(), await customer(), await customer(), await customer()];
    const campaign = await campaignFor(customers);
    const run = await start(
      campaign.id,
      customers.map((c) => c.id),
    );
    const job = new EnrollmentJob({ chunkSize: 2, statementTimeoutMs: 10_000, caps: CAPS });
    await job.plan(app.ds, run.id);
    // The skip of one customer fails inside the screening statement, after its range's enrolments were inserted.
    const poisoned = customers[1].id;
    await make.riskAssessment(poisoned, {
      riskTolerance: RiskTolerance.C1,
      validUntil: '2099-01-01',
      assessedAt: new Date('2024-01-01T00:00:00Z'),
      amlRating: AmlRating.LOW,
    });
    await app.ds.query(`
      CREATE FUNCTION refuse_poisoned_skip() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.customer_ids @> ARRAY['${poisoned}'::uuid] THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$`);
    await app.ds.query(
      `CREATE TRIGGER refuse_poisoned_skip BEFORE INSERT ON enrollment_skip FOR EACH ROW EXECUTE FUNCTION refuse_poisoned_skip()`,
    );
    try {
      const r = runner({ connections: 1 });
      r.start();
      const ended = (await waitForRun(app, run.id, manager, RUN)).data.enrollmentRun;
      await r.stop();
      expect(ended).toMatchObject({ status: 'FAILED', failureReason: 'INTERNAL_ERROR' });
    } finally {
      await app.ds.query(`DROP TRIGGER refuse_poisoned_skip ON enrollment_skip`);
      await app.ds.query(`DROP FUNCTION refuse_poisoned_skip()`);
    }
    // The listed customers are one range: it rolled back whole, the others' enrolments with it.
    const [{ n }] = await app.ds.query(`SELECT count(*)::int AS n FROM campaign_enrollment WHERE campaign_id = $1`, [
      campaign.id,
    ]);
    expect(n).toBe(0);
    const [{ skips }] = await app.ds.query(`SELECT count(*)::int AS skips FROM enrollment_skip_row WHERE run_id = $1`, [
      run.id,
    ]);
    expect(skips).toBe(0);
    const [record] = await app.ds.query(
      `SELECT detail FROM audit_record WHERE operation = 'enrollCustomers' AND detail->>'runId' = $1`,
      [run.id],
    );
    expect(record.detail).toMatchObject({ status: 'FAILED', failureReason: 'INTERNAL_ERROR', enrolled: 0 });
  });

  it('fails as CAMPAIGN_NOT_ENROLLABLE when the campaign is cancelled under way, keeping the ranges done', async () => {
    const customers = [await customer(), await customer(), await customer(), await customer()];
    const campaign = await campaignFor(customers);
    const run = await start(campaign.id);
    const job = new EnrollmentJob({ chunkSize: 1, statementTimeoutMs: 10_000, caps: CAPS });
    await job.plan(app.ds, run.id);
    await asOnAQuietDatabase(run.id);
    // Ranges over the whole book: step until the campaign's customers (the heap's last page) are enrolled.
    let enrolled = 0;
    while (enrolled === 0 && (await job.step(app.ds, run.id))) {
      [{ enrolled }] = await app.ds.query(
        `SELECT count(*)::int AS enrolled FROM campaign_enrollment WHERE campaign_id = $1`,
        [campaign.id],
      );
    }
    expect(enrolled).toBeGreaterThan(0);
    const cancelled = await app.gql(
      `mutation ($id: ID!) { cancelCampaign(id: $id) { status } }`,
      { id: campaign.id },
      {
        as: manager,
      },
    );
    expect(cancelled.errors).toBeUndefined();
    const r = runner({ chunkSize: 1 });
    r.start();
    const ended = (await waitForRun(app, run.id, AUDITOR, RUN)).data.enrollmentRun;
    await r.stop();
    // The sweep at least was left, and it found the campaign cancelled.
    expect(ended).toMatchObject({ status: 'FAILED', failureReason: 'CAMPAIGN_NOT_ENROLLABLE', enrolled });
    const [{ left }] = await app.ds.query(
      `SELECT count(*)::int AS left FROM enrollment_run_chunk WHERE run_id = $1 AND NOT done`,
      [run.id],
    );
    expect(left).toBeGreaterThan(0);
  });
});

describe('an enrolment run over customers who change while it runs', () => {
  it('screens every customer of the book exactly once: updated in ranges done or not yet done, or added', async () => {
    const customers = [];
    for (let i = 0; i < 60; i++) customers.push(await customer({ consent: i % 3 !== 0 }));
    const campaign = await campaignFor(customers);
    const run = await start(campaign.id);
    // Eight ranges of ids over the test's book: the first four are done before the updates.
    const [{ book }] = await app.ds.query(`SELECT count(*)::int AS book FROM customer`);
    const job = new EnrollmentJob({ chunkSize: Math.ceil(book / 8), statementTimeoutMs: 10_000, caps: CAPS });
    await job.plan(app.ds, run.id);
    await asOnAQuietDatabase(run.id);
    const [{ ranges, bound }] = await app.ds.query(
      `SELECT count(*)::int AS ranges, (SELECT to_id::text FROM enrollment_run_chunk WHERE run_id = $1 AND seq = 3) AS bound
       FROM enrollment_run_chunk WHERE run_id = $1 AND NOT sweep`,
      [run.id],
    );
    expect(ranges).toBe(8);
    for (let i = 0; i < 4; i++) expect(await job.step(app.ds, run.id)).toBe(true);
    const ids = customers.map((c) => c.id);
    const screenedBefore = ids.filter((id) => id < bound);
    expect(screenedBefore.length).toBeGreaterThan(0);
    expect(screenedBefore.length).toBeLessThan(ids.length);
    // Every customer's row is rewritten (a new row), and two more join the book: one in a range done, one not.
    await app.ds.query(`UPDATE customer SET churn_signals = churn_signals WHERE id = ANY($1)`, [ids]);
    const added = [
      await customer({ id: `00000000-0000-4000-8000-${String(Date.now()).slice(-12).padStart(12, '0')}` }),
      await customer({ id: `ffffffff-0000-4000-8000-${String(Date.now()).slice(-12).padStart(12, '0')}` }),
    ];
    const [tag] = await app.ds.query(`SELECT id FROM tag WHERE code = $1`, [campaign.targetTagCodes[0]]);
    for (const c of added) await make.customerTag(c.id, tag.id);
    while (await job.step(app.ds, run.id));
    expect(await job.finish(app.ds, run.id)).toBe(true);

    const everyone = [...ids, ...added.map((c) => c.id)];
    const outcomes: { customer_id: string; n: number }[] = await app.ds.query(
      `SELECT customer_id, count(*)::int AS n FROM (
         SELECT customer_id FROM enrollment_skip_row WHERE run_id = $1
         UNION ALL SELECT customer_id FROM campaign_enrollment WHERE run_id = $1) o
       WHERE customer_id = ANY($2) GROUP BY customer_id`,
      [run.id, everyone],
    );
    expect(outcomes.length).toBe(everyone.length);
    expect(outcomes.every((o) => o.n === 1)).toBe(true);
    const [ended] = await app.ds.query(`SELECT enrolled, skipped FROM enrollment_run WHERE id = $1`, [run.id]);
    expect(ended).toEqual({ enrolled: 42, skipped: { NO_CONSENT: 20 } });
    // The sweep screened the customer added to a range already done, no one else.
    const [sweep] = await app.ds.query(
      `SELECT enrolled, skipped FROM enrollment_run_chunk WHERE run_id = $1 AND sweep`,
      [run.id],
    );
    expect(sweep).toEqual({ enrolled: 1, skipped: {} });
  });
});

describe('skip rows without foreign keys', () => {
  const ERASE = `mutation ($id: ID!) { eraseCustomer(customerId: $id, reason: CONSENT_WITHDRAWN) { removed { kind count } } }`;
  /** Erasure is a write: its auditor is in the staff directory. */
  const eraser = { sub: '', roles: [Role.COMPLIANCE_AUDITOR] };
  beforeAll(async () => {
    eraser.sub = (await make.staff()).id;
  });

  it("an erasure waits for the range screening the customer, then deletes the range's skip rows", async () => {
    const c = await customer({ consent: false });
    const campaign = await campaignFor([c]);
    const run = await start(campaign.id);
    // A range in flight: it holds the screening lock and has written the customer's skip row, not yet committed.
    const range = app.ds.createQueryRunner();
    await range.connect();
    let erasure: Promise<any> | undefined;
    try {
      await range.startTransaction();
      await range.query(`SELECT enrollment_screening_lock(false)`);
      await range.query(
        `INSERT INTO enrollment_skip (run_id, part, customer_ids, campaign_id, reason) VALUES ($1, 0, ARRAY[$2::uuid], $3, 'NO_CONSENT')`,
        [run.id, c.id, campaign.id],
      );
      erasure = app.gql(ERASE, { id: c.id }, { as: eraser });
      // The erasure is waiting for the lock (or, were it not taken, has already ended).
      expect(await waitsForAdvisoryLock(app.ds, erasure)).toBe(true);
      await range.commitTransaction();
    } finally {
      await range.release();
    }
    const erased = await erasure!;
    expect(erased.errors).toBeUndefined();
    expect(erased.data.eraseCustomer.removed).toContainEqual({ kind: 'enrollmentScreenings', count: 1 });
    const [{ n }] = await app.ds.query(`SELECT count(*)::int AS n FROM enrollment_skip_row WHERE customer_id = $1`, [c.id]);
    expect(n).toBe(0);
  });

  it('a range after an erasure does not see the customer; deleting customers or campaigns deletes their skip rows', async () => {
    const [gone, kept] = [await customer({ consent: false }), await customer({ consent: false })];
    const campaign = await campaignFor([gone, kept]);
    const run = await start(campaign.id, [gone.id, kept.id]);
    expect((await app.gql(ERASE, { id: gone.id }, { as: eraser })).errors).toBeUndefined();
    const job = new EnrollmentJob({ chunkSize: 10, statementTimeoutMs: 10_000, caps: CAPS });
    await job.plan(app.ds, run.id);
    while (await job.step(app.ds, run.id));
    const skips = async (where: string, id: string) =>
      (await app.ds.query(`SELECT count(*)::int AS n FROM enrollment_skip_row WHERE ${where} = $1`, [id]))[0].n;
    expect(await skips('run_id', run.id)).toBe(1);
    expect(await skips('customer_id', gone.id)).toBe(0);

    // Deleted otherwise than by erasure (an operator's statement), the cascade the foreign keys did.
    await app.ds.query(`DELETE FROM customer_tag WHERE customer_id = $1`, [kept.id]);
    await app.ds.query(`DELETE FROM consent WHERE customer_id = $1`, [kept.id]);
    await app.ds.query(`DELETE FROM risk_assessment WHERE customer_id = $1`, [kept.id]);
    await app.ds.query(`DELETE FROM customer WHERE id = $1`, [kept.id]);
    expect(await skips('customer_id', kept.id)).toBe(0);
    const other = await customer({ consent: false });
    const campaign2 = await campaignFor([other]);
    const run2 = await start(campaign2.id, [other.id]);
    const job2 = new EnrollmentJob({ chunkSize: 10, statementTimeoutMs: 10_000, caps: CAPS });
    await job2.plan(app.ds, run2.id);
    while (await job2.step(app.ds, run2.id));
    expect(await skips('campaign_id', campaign2.id)).toBe(1);
    await app.ds.query(`DELETE FROM enrollment_run WHERE campaign_id = $1`, [campaign2.id]);
    await app.ds.query(`DELETE FROM campaign WHERE id = $1`, [campaign2.id]);
    expect(await skips('campaign_id', campaign2.id)).toBe(0);
  });
});

describe('enrolments without row-locking foreign keys', () => {
  const SQLSTATE_FOREIGN_KEY = '23503';
  const codeOf = (p: Promise<unknown>) => p.then(() => 'none', (e: { code?: string }) => e.code);
  it('refuses an enrolment naming a customer or campaign that does not exist, or changing either', async () => {
    const c = await make.customer();
    const campaign = await make.campaign();
    const insert = (campaignId: string, customerId: string) =>
      app.ds.query(`INSERT INTO campaign_enrollment (campaign_id, customer_id, channel) VALUES ($1, $2, 'WEB')`, [
        campaignId,
        customerId,
      ]);
    const nobody = '00000000-0000-4000-8000-00000000dead';
    expect(await codeOf(insert(campaign.id, nobody))).toBe(SQLSTATE_FOREIGN_KEY);
    expect(await codeOf(insert(nobody, c.id))).toBe(SQLSTATE_FOREIGN_KEY);
    await insert(campaign.id, c.id);
    const other = await make.customer();
    expect(
      await codeOf(app.ds.query(`UPDATE campaign_enrollment SET customer_id = $2 WHERE customer_id = $1`, [c.id, other.id])),
    ).toBe(SQLSTATE_FOREIGN_KEY);
    expect(await codeOf(app.ds.query(`UPDATE customer SET id = $2 WHERE id = $1`, [c.id, nobody]))).toBe(
      SQLSTATE_FOREIGN_KEY,
    );
    // A status change, which every partner write of an outcome is, passes.
    await app.ds.query(`UPDATE campaign_enrollment SET status = 'CONTACTED' WHERE customer_id = $1`, [c.id]);
  });

  it('deleting a customer or a campaign deletes their enrolments, as the foreign keys cascaded', async () => {
    const [gone, kept] = [await make.customer(), await make.customer()];
    const [campaign, campaign2] = [await make.campaign(), await make.campaign()];
    for (const c of [gone, kept]) {
      await make.enrollment(campaign.id, c.id);
      await make.enrollment(campaign2.id, c.id);
    }
    const enrolments = async (where: string, id: string) =>
      (await app.ds.query(`SELECT count(*)::int AS n FROM campaign_enrollment WHERE ${where} = $1`, [id]))[0].n;
    await app.ds.query(`DELETE FROM customer WHERE id = $1`, [gone.id]);
    expect(await enrolments('customer_id', gone.id)).toBe(0);
    expect(await enrolments('customer_id', kept.id)).toBe(2);
    await app.ds.query(`DELETE FROM campaign WHERE id = $1`, [campaign2.id]);
    expect(await enrolments('campaign_id', campaign2.id)).toBe(0);
    expect(await enrolments('customer_id', kept.id)).toBe(1);
  });

  it('a customer deleted while an enrolment of theirs is being written waits for it, then deletes it', async () => {
    const c = await make.customer();
    const campaign = await make.campaign();
    const writer = app.ds.createQueryRunner();
    await writer.connect();
    let deletion: Promise<unknown> | undefined;
    try {
      await writer.startTransaction();
      await writer.query(`INSERT INTO campaign_enrollment (campaign_id, customer_id, channel) VALUES ($1, $2, 'WEB')`, [
        campaign.id,
        c.id,
      ]);
      deletion = app.ds.query(`DELETE FROM customer WHERE id = $1`, [c.id]);
      expect(await waitsForAdvisoryLock(app.ds, deletion)).toBe(true);
      await writer.commitTransaction();
    } finally {
      await writer.release();
    }
    await deletion;
    const [{ n }] = await app.ds.query(`SELECT count(*)::int AS n FROM campaign_enrollment WHERE customer_id = $1`, [
      c.id,
    ]);
    expect(n).toBe(0);
  });

  it('an enrolment written after its customer was deleted is refused', async () => {
    const c = await make.customer();
    const campaign = await make.campaign();
    await app.ds.query(`DELETE FROM customer WHERE id = $1`, [c.id]);
    expect(
      await codeOf(
        app.ds.query(`INSERT INTO campaign_enrollment (campaign_id, customer_id, channel) VALUES ($1, $2, 'WEB')`, [
          campaign.id,
          c.id,
        ]),
      ),
    ).toBe(SQLSTATE_FOREIGN_KEY);
  });

  it('new enrolment and event ids are version 7 UUIDs, in the order they were made', async () => {
    const c = await make.customer();
    const [first, second] = [await make.campaign(), await make.campaign()];
    await make.enrollment(first.id, c.id);
    await app.ds.query(`SELECT pg_sleep(0.002)`);
    await make.enrollment(second.id, c.id);
    const rows: { id: string }[] = await app.ds.query(
      `SELECT id::text FROM campaign_enrollment WHERE customer_id = $1 ORDER BY enrolled_at`,
      [c.id],
    );
    const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(rows.map((r) => r.id)).toEqual([expect.stringMatching(V7), expect.stringMatching(V7)]);
    expect(rows[0].id < rows[1].id).toBe(true);
    const events: { event_id: string }[] = await app.ds.query(
      `SELECT event_id::text FROM outbox_event WHERE payload->>'customerId' = $1 ORDER BY id`,
      [c.id],
    );
    expect(events.length).toBe(2);
    expect(events.every((e) => V7.test(e.event_id))).toBe(true);
    expect(events[0].event_id < events[1].event_id).toBe(true);
  });
});

describe("an enrolment run without contact caps (the W4 benchmark's comparison)", () => {
  /** Screens and ends the run started for `campaignId` with `caps`, step by step; the skip reasons by customer. */
  async function runWith(caps: typeof CAPS | null, campaignId: string) {
    const run = await start(campaignId);
    const job = new EnrollmentJob({ chunkSize: 1000, statementTimeoutMs: 10_000, caps });
    await job.plan(app.ds, run.id);
    while (await job.step(app.ds, run.id));
    expect(await job.finish(app.ds, run.id)).toBe(true);
    const skips: { customer_id: string; reason: string }[] = await app.ds.query(
      `SELECT customer_id, reason FROM enrollment_skip_row WHERE run_id = $1`,
      [run.id],
    );
    return Object.fromEntries(skips.map((s) => [s.customer_id, s.reason]));
  }

  it("enrols customers whose month's contacts are used up, where the capped run skips them as FREQUENCY_CAPPED", async () => {
    // The month as the run counts it (Asia/Shanghai); its first minutes are in it whatever the day.
    const monthStart = new Date(`${businessToday(CAPS.timeZone).slice(0, 8)}01T00:00:00+08:00`);
    const used = [await customer({ tier: Tier.MASS }), await customer({ tier: Tier.PRIVATE_BANKING })];
    for (const c of used) {
      const cap = CAPS.monthly[c.tier as keyof typeof CAPS.monthly];
      for (let i = 0; i < cap; i++) {
        await make.interaction(c.id, {
          type: InteractionType.CAMPAIGN_CONTACT,
          occurredAt: new Date(monthStart.getTime() + i * 60_000),
        });
      }
    }
    const capped = await runWith(CAPS, (await campaignFor(used)).id);
    expect([capped[used[0].id], capped[used[1].id]]).toEqual(['FREQUENCY_CAPPED', 'FREQUENCY_CAPPED']);

    const uncappedCampaign = await campaignFor(used);
    const uncapped = await runWith(null, uncappedCampaign.id);
    expect(Object.values(uncapped)).not.toContain('FREQUENCY_CAPPED');
    const enrolled: { customer_id: string }[] = await app.ds.query(
      `SELECT customer_id FROM campaign_enrollment WHERE campaign_id = $1`,
      [uncappedCampaign.id],
    );
    expect(enrolled.map((e) => e.customer_id).sort()).toEqual(used.map((c) => c.id).sort());
  });
});

describe('who reads a run', () => {
  it('marketing managers, risk officers and auditors; other roles are FORBIDDEN', async () => {
    const campaign = await campaignFor([await customer()]);
    const run = await start(campaign.id);
    const read = (roles: Role[]) =>
      app.gql(
        `query ($id: ID!) { enrollmentRun(id: $id) { id status } }`,
        { id: run.id },
        {
          as: { sub: manager.sub, roles },
        },
      );
    for (const role of [Role.MARKETING_MANAGER, Role.RISK_OFFICER, Role.COMPLIANCE_AUDITOR]) {
      expect((await read([role])).data.enrollmentRun).toEqual({ id: run.id, status: 'RUNNING' });
    }
    for (const role of [Role.MARKETING_ANALYST, Role.RELATIONSHIP_MANAGER, Role.BRANCH_STAFF, Role.CALL_CENTER_AGENT]) {
      expect((await read([role])).errors?.[0].extensions.code).toBe('FORBIDDEN');
    }
    const missing = await app.gql(`{ enrollmentRun(id: "7d3f0c2a-1b2c-4d5e-8f90-123456789abc") { id } }`, undefined, {
      as: manager,
    });
    expect(missing.data.enrollmentRun).toBeNull();
    const malformed = await app.gql(`{ enrollmentRun(id: "nope") { id } }`, undefined, { as: manager });
    expect(malformed.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
  });
});
