import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Role } from '../../src/auth/roles';
import { loadConfig } from '../../src/config';
import { Keyring } from '../../src/privacy/encryption/keyring';
import { localMasterKeys } from '../../src/privacy/encryption/master-keys';
import { keyUsage, rotateDataKey } from '../../src/privacy/encryption/rotation';
import { loadFile } from '../../src/ingest/load-file';
import { releaseExpiredHolds } from '../../src/modules/data-subject/customer-erasure';
import { AmlRating, CreditGrade } from '../../src/modules/risk/risk.enums';
import { useTestApp } from '../support/test-app';

/**
 * Data-subject rights (issue 20, item 6; PIPL Arts 45 and 47): the export of
 * everything held about a customer, and erasure with what a legal hold
 * keeps, through HTTP on PostgreSQL. How the export's document follows the
 * policy cell by cell is in the policy-mutation test.
 */
const env = { RATE_LIMIT_STAFF: '100000', MASTER_KEY: randomBytes(32).toString('base64'), MASTER_KEY_ID: 'dsr-master' };
const { app, make } = useTestApp(env);
/** An auditor in the staff directory: writes need one. */
const AUDITOR = { sub: '', roles: [Role.COMPLIANCE_AUDITOR] };
beforeAll(async () => {
  AUDITOR.sub = (await make.staff()).id;
});

const EXPORT = `query ($id: ID!) {
  dataSubjectExport(customerId: $id) { customerId generatedAt erasedAt heldUntil document withheld exemptions }
}`;
const ERASE = `mutation ($id: ID!, $reason: ErasureReason!) {
  eraseCustomer(customerId: $id, reason: $reason) {
    customerId reason erasedAt heldUntil held removed { kind count } alreadyErased
  }
}`;

/** A customer with something in every section, an AML rating among it. */
async function customerWithEverything() {
  const branch = await make.branch();
  const rm = await make.staff({ branchId: branch.id });
  const customer = await make.customer({ branchId: branch.id, relationshipManagerId: rm.id });
  const holding = await make.holding(customer.id, { balance: '12345.67' });
  await app.ds.query(
    `INSERT INTO holding_daily_balance (holding_id, balance_date, balance) VALUES ($1, '2026-11-30', 12000)`,
    [holding.id],
  );
  await make.interaction(customer.id, { summary: '客户咨询理财产品' });
  await make.riskAssessment(customer.id, { creditGrade: CreditGrade.AA, amlRating: AmlRating.HIGH });
  const tag = await make.tag();
  await make.customerTag(customer.id, tag.id);
  await make.consent(customer.id);
  const campaign = await make.campaign();
  await make.enrollment(campaign.id, customer.id);
  await make.aumSnapshot(customer.id, '2026-10-01', '12000.00');
  await make.lead(customer, { name: '张三丰', phone: customer.phone });
  await make.retentionTask(customer, {}, { endedAt: new Date() });
  // An episode without a task (segmentation writes none today) and an enrolment run's skip of the customer.
  await app.ds.query(
    `INSERT INTO churn_episode (customer_id, started_at, ended_at, tier, signals)
     VALUES ($1, '2026-06-01T00:00:00Z', '2026-07-01T00:00:00Z', 'WEALTH', '{AUM_DROP}')`,
    [customer.id],
  );
  await make.finishedRun(campaign.id, [
    { customerId: customer.id, reason: 'NO_CONSENT', createdAt: '2026-11-20T08:00:00Z' },
  ]);
  return { branch, rm, customer, holding, campaign };
}

describe('dataSubjectExport', () => {
  it('returns every section in full to an auditor, without the AML rating, and audits the read', async () => {
    const { customer, holding, campaign } = await customerWithEverything();
    const res = await app.gql(EXPORT, { id: customer.id }, { as: AUDITOR });
    expect(res.errors).toBeUndefined();
    const { document, withheld, exemptions, erasedAt } = res.data.dataSubjectExport;
    expect(erasedAt).toBeNull();
    expect(withheld).toEqual([]);
    expect(document.profile).toMatchObject({
      id: customer.id,
      customerNo: customer.customerNo,
      idNumber: customer.idNumber,
      phone: customer.phone,
      email: customer.email,
      address: `北京市北京市朝阳区${customer.addressStreet}`,
      branch: expect.objectContaining({ code: expect.any(String) }),
    });
    expect(document.holdings).toEqual([
      expect.objectContaining({
        id: holding.id,
        accountNo: holding.accountNo,
        balance: '12345.67',
        dailyBalances: [{ date: '2026-11-30', balance: '12000.00' }],
        product: expect.objectContaining({ code: expect.any(String) }),
      }),
    ]);
    expect(document.interactions).toEqual([expect.objectContaining({ summary: '客户咨询理财产品' })]);
    expect(document.riskAssessments).toEqual([expect.objectContaining({ creditGrade: 'AA' })]);
    for (const section of ['consents', 'tags', 'campaignEnrollments', 'aumHistory', 'leads']) {
      expect([section, document[section].length]).toEqual([section, 1]);
    }
    expect(document.leads[0]).toMatchObject({ phone: customer.phone });
    expect(document.retentionTasks).toEqual([
      expect.objectContaining({ signals: ['COMPLAINTS_RISING'], signalsClearedAt: expect.any(String) }),
    ]);
    expect(document.churnEpisodes).toEqual([
      {
        signals: ['AUM_DROP'],
        tier: 'WEALTH',
        startedAt: '2026-06-01T00:00:00.000Z',
        endedAt: '2026-07-01T00:00:00.000Z',
      },
    ]);
    expect(document.enrollmentSkips).toEqual([
      {
        reason: 'NO_CONSENT',
        campaign: { code: campaign.code, name: campaign.name },
        skippedAt: '2026-11-20T08:00:00.000Z',
      },
    ]);
    // Withheld by law whoever asks: neither the rating nor its key appears anywhere.
    expect(JSON.stringify(document)).not.toContain('aml');
    expect(exemptions.join(' ')).toContain('RiskProfile.amlRating');

    const [record] = await app.ds.query(
      `SELECT fields FROM audit_record WHERE customer_id = $1 AND operation = 'READ' ORDER BY id DESC LIMIT 1`,
      [customer.id],
    );
    expect(record?.fields).toEqual(expect.arrayContaining(['accountNo', 'idNumber', 'phone', 'balance', 'aum']));
  });

  it('is refused to every role but auditors', async () => {
    const { customer, rm, branch } = await customerWithEverything();
    for (const role of [Role.RELATIONSHIP_MANAGER, Role.RISK_OFFICER, Role.MARKETING_MANAGER, Role.CALL_CENTER_AGENT]) {
      const res = await app.gql(
        EXPORT,
        { id: customer.id },
        { as: { sub: rm.id, roles: [role], branchId: branch.id } },
      );
      expect([role, res.errors?.[0]?.extensions.code]).toEqual([role, 'FORBIDDEN']);
      expect(res.data?.dataSubjectExport ?? null).toBeNull();
    }
  });

  it('answers NOT_FOUND for no such customer and BAD_USER_INPUT naming customerId for a malformed id', async () => {
    const missing = await app.gql(EXPORT, { id: '00000000-0000-4000-8000-000000000000' }, { as: AUDITOR });
    expect(missing.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
    const malformed = await app.gql(EXPORT, { id: 'x'.repeat(5000) }, { as: AUDITOR });
    expect(malformed.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'customerId' });
  });
});

describe('eraseCustomer', () => {
  it('deletes everything about the customer but what the legal hold keeps, in one audited transaction', async () => {
    const { customer } = await customerWithEverything();
    const res = await app.gql(ERASE, { id: customer.id, reason: 'DATA_SUBJECT_REQUEST' }, { as: AUDITOR });
    expect(res.errors).toBeUndefined();
    const receipt = res.data.eraseCustomer;
    expect(receipt).toMatchObject({ customerId: customer.id, alreadyErased: false, reason: 'DATA_SUBJECT_REQUEST' });
    expect(receipt.held).toEqual(['identity', 'holdings', 'dailyBalances', 'riskAssessments']);
    const removed = Object.fromEntries(receipt.removed.map((r: { kind: string; count: number }) => [r.kind, r.count]));
    expect(removed).toMatchObject({
      leads: 1,
      interactions: 1,
      consents: 1,
      tags: 1,
      campaignEnrollments: 1,
      aumHistory: 1,
      dailyBalances: 1,
      holdings: 1,
      riskAssessments: 1,
      profile: 1,
    });
    // Five years on, in the bank's calendar.
    expect(Number(receipt.heldUntil.slice(0, 4)) - Number(receipt.erasedAt.slice(0, 4))).toBe(5);

    const tables = [
      'interaction',
      'consent',
      'customer_tag',
      'campaign_enrollment',
      'holding',
      'risk_assessment',
      'lead',
    ];
    for (const table of tables) {
      const [{ n }] = await app.ds.query(`SELECT count(*)::int AS n FROM ${table} WHERE customer_id = $1`, [
        customer.id,
      ]);
      expect([table, n]).toEqual([table, 0]);
    }
    const read = await app.gql(
      `query ($id: ID!) { customer(id: $id) { id name } }`,
      { id: customer.id },
      { as: AUDITOR },
    );
    expect(read.data?.customer ?? null).toBeNull();

    // Downstream systems are told, with ids only; the audit record holds counts, never values.
    const [event] = await app.ds.query(
      `SELECT payload FROM outbox_event WHERE type = 'customer.erased' AND aggregate_id = $1`,
      [customer.id],
    );
    expect(event.payload).toEqual({
      customerId: customer.id,
      customerNo: customer.customerNo,
      reason: 'DATA_SUBJECT_REQUEST',
    });
    const [audit] = await app.ds.query(
      `SELECT actor_id, detail FROM audit_record WHERE customer_id = $1 AND operation = 'eraseCustomer'`,
      [customer.id],
    );
    expect(audit.actor_id).toBe(AUDITOR.sub);
    expect(JSON.stringify(audit.detail)).not.toContain(customer.phone);
    expect(JSON.stringify(audit.detail)).not.toContain(customer.name);
  });

  it('leaves the held records readable through the export, without the AML rating, until the hold runs out', async () => {
    const { customer } = await customerWithEverything();
    await app.gql(ERASE, { id: customer.id, reason: 'SERVICE_ENDED' }, { as: AUDITOR });
    const held = (await app.gql(EXPORT, { id: customer.id }, { as: AUDITOR })).data.dataSubjectExport;
    expect(held.erasedAt).not.toBeNull();
    expect(Object.keys(held.document).sort()).toEqual(['holdings', 'profile', 'riskAssessments']);
    expect(held.document.profile).toMatchObject({ customerNo: customer.customerNo, idNumber: customer.idNumber });
    expect(held.document.profile.phone).toBeUndefined();
    expect(held.document.holdings[0]).toMatchObject({ accountNo: expect.stringMatching(/^\d{10,}$/) });
    expect(JSON.stringify(held.document)).not.toContain('aml');
    // Stored encrypted whole: the tombstone's row shows neither the ID number nor an account number.
    const [stored] = await app.ds.query(`SELECT held FROM customer_erasure WHERE customer_id = $1`, [customer.id]);
    expect(stored.held).toMatch(/^enc1:\d+:/);
    expect(stored.held).not.toContain(customer.idNumber);
    expect(stored.held).not.toContain(held.document.holdings[0].accountNo);

    const farFuture = new Date(Date.UTC(new Date().getUTCFullYear() + 6, 0, 1));
    expect(await releaseExpiredHolds(app.ds.manager, 'Asia/Shanghai', farFuture)).toBeGreaterThanOrEqual(1);
    const released = (await app.gql(EXPORT, { id: customer.id }, { as: AUDITOR })).data.dataSubjectExport;
    expect(released.document).toEqual({});
    expect(released.erasedAt).toBe(held.erasedAt);
  });

  it('rotates the held records to a new data key, a hold written before encryption among them, and the export still reads both', async () => {
    const [first, second] = [(await customerWithEverything()).customer, (await customerWithEverything()).customer];
    for (const c of [first, second]) await app.gql(ERASE, { id: c.id, reason: 'SERVICE_ENDED' }, { as: AUDITOR });
    const exported = async (id: string) =>
      (await app.gql(EXPORT, { id }, { as: AUDITOR })).data.dataSubjectExport.document.profile.idNumber;
    // A hold as the release before this one wrote it: plaintext JSON.
    const legacy = await app.ds.query(`SELECT held FROM customer_erasure WHERE customer_id = $1`, [second.id]);
    const masterKeys = localMasterKeys(loadConfig(env).encryption);
    const plain = new Keyring(masterKeys);
    await plain.refresh(app.ds);
    await app.ds.query(`UPDATE customer_erasure SET held = $2 WHERE customer_id = $1`, [
      second.id,
      plain.decrypt('customer_erasure', 'held', legacy[0].held),
    ]);
    expect(await exported(second.id)).toBe(second.idNumber);

    const { keyId, left } = await rotateDataKey(app.ds, masterKeys, 'customer_erasure', { settleMs: 0 });
    expect(left).toBe(0);
    expect(Object.keys(await keyUsage(app.ds, 'customer_erasure'))).toEqual([String(keyId)]);
    expect(await exported(first.id)).toBe(first.idNumber);
    expect(await exported(second.id)).toBe(second.idNumber);
  });

  it('answers NOT_FOUND, never an internal error, to a write for a customer erased while it ran', async () => {
    const branch = await make.branch();
    const rm = await make.staff({ branchId: branch.id });
    const customer = await make.customer({ branchId: branch.id, relationshipManagerId: rm.id });
    const asRm = { sub: rm.id, roles: [Role.RELATIONSHIP_MANAGER], branchId: branch.id };
    // An erasure in progress: it holds the customer's row until it commits the delete.
    const erasure = app.ds.createQueryRunner();
    await erasure.connect();
    try {
      await erasure.startTransaction();
      await erasure.query(`SELECT id FROM customer WHERE id = $1 FOR UPDATE`, [customer.id]);
      const write = app.gql(
        `mutation ($i: RecordInteractionInput!) { recordInteraction(input: $i) { id } }`,
        {
          i: {
            customerNo: customer.customerNo,
            channel: 'BRANCH',
            type: 'INQUIRY',
            occurredAt: new Date().toISOString(),
          },
        },
        { as: asRm },
      );
      // Long enough for the write to read the customer and wait at its foreign-key check.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await erasure.query(`DELETE FROM customer WHERE id = $1`, [customer.id]);
      await erasure.commitTransaction();
      const res = await write;
      expect(res.errors?.map((e) => e.extensions.code)).toEqual(['NOT_FOUND']);
    } finally {
      await erasure.release();
    }
  });

  it('answers the first receipt when erased again, and two erasures at once erase once', async () => {
    const { customer } = await customerWithEverything();
    const [a, b] = await Promise.all([
      app.gql(ERASE, { id: customer.id, reason: 'CONSENT_WITHDRAWN' }, { as: AUDITOR }),
      app.gql(ERASE, { id: customer.id, reason: 'CONSENT_WITHDRAWN' }, { as: AUDITOR }),
    ]);
    expect([a.errors, b.errors]).toEqual([undefined, undefined]);
    const receipts = [a.data.eraseCustomer, b.data.eraseCustomer];
    expect(receipts.map((r) => r.alreadyErased).sort()).toEqual([false, true]);
    expect(receipts[0].erasedAt).toBe(receipts[1].erasedAt);
    const [{ n }] = await app.ds.query(
      `SELECT count(*)::int AS n FROM audit_record WHERE customer_id = $1 AND operation = 'eraseCustomer'`,
      [customer.id],
    );
    expect(n).toBe(1);
  });

  it('is refused to every role but auditors, and a bad reason is refused before anything runs', async () => {
    const { customer, rm, branch } = await customerWithEverything();
    const asRm = { sub: rm.id, roles: [Role.RELATIONSHIP_MANAGER], branchId: branch.id };
    const refused = await app.gql(ERASE, { id: customer.id, reason: 'DATA_SUBJECT_REQUEST' }, { as: asRm });
    expect(refused.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    const badReason = await app.gql(ERASE, { id: customer.id, reason: 'BORED' }, { as: AUDITOR });
    expect(badReason.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    const [{ n }] = await app.ds.query(`SELECT count(*)::int AS n FROM customer WHERE id = $1`, [customer.id]);
    expect(n).toBe(1);
  });

  it('keeps an erased customer from being loaded back by a source system that still has them', async () => {
    const { customer, branch } = await customerWithEverything();
    await app.gql(ERASE, { id: customer.id, reason: 'DATA_SUBJECT_REQUEST' }, { as: AUDITOR });
    const dir = await mkdtemp(join(tmpdir(), 'c360-erasure-'));
    try {
      const file = join(dir, 'customers.csv');
      const row = {
        customer_no: customer.customerNo,
        name: '张三丰',
        gender: 'MALE',
        birth_date: customer.birthDate,
        id_type: 'RESIDENT_ID',
        id_number: customer.idNumber,
        phone: customer.phone,
        email: '',
        address_province: '北京市',
        address_city: '北京市',
        address_district: '朝阳区',
        address_street: customer.addressStreet,
        city: '北京市',
        branch_code: branch.code,
        relationship_manager_employee_no: '',
        kyc_status: 'VERIFIED',
        onboarded_on: '2020-01-01',
      };
      await writeFile(file, `${Object.keys(row).join(',')}\n${Object.values(row).join(',')}\n`);
      await loadFile({ ds: app.ds, embedded: false }, { kind: 'customers', file });
      const [{ n }] = await app.ds.query(`SELECT count(*)::int AS n FROM customer WHERE customer_no = $1`, [
        customer.customerNo,
      ]);
      expect(n).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
