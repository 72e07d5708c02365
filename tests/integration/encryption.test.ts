import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Role, Scope } from '../../src/auth/roles';
import { loadConfig } from '../../src/config';
import { createDataSource } from '../../src/db/data-source';
import { KindName } from '../../src/ingest/kinds';
import { loadFile } from '../../src/ingest/load-file';
import { Keyring } from '../../src/privacy/encryption/keyring';
import { keyringFor } from '../../src/privacy/encryption/keyrings';
import { openCustomerRows } from '../../src/modules/customer/customer-sealing';
import { LocalMasterKeys, localMasterKeys } from '../../src/privacy/encryption/master-keys';
import { keyUsage, rewrapDataKeys, rotateDataKey, sealLegacyRows } from '../../src/privacy/encryption/rotation';
import { residentIdNumber } from '../../src/seed/id-number';
import { seedDatabase } from '../../src/seed/seed';
import { blindIndexOf } from '../support/stored';
import { useTestApp } from '../support/test-app';
import { createTestDatabase } from '../support/test-database';

/**
 * Encrypted personal data at rest (issue 20, item 4): lead phones, customer
 * ID numbers, phones, emails and street addresses, and holding account
 * numbers, through HTTP on PostgreSQL: stored only as ciphertext, found by
 * keyed blind index, read back in full or masked per the policy, invisible
 * to pg_dump, and rotated online (data key and master key) while reads go on.
 */
const MASTER = { id: 'test-master-1', key: randomBytes(32).toString('base64') };
const env = {
  MASTER_KEY: MASTER.key,
  MASTER_KEY_ID: MASTER.id,
  RATE_LIMIT_STAFF: '100000',
  RATE_LIMIT_PARTNER: '100000',
};
const { app, make } = useTestApp(env);
const config = loadConfig(env);

const REGISTER = `mutation ($input: RegisterLeadInput!) { registerLead(input: $input) { id } }`;
const LEADS = `query { leads(first: 100) { edges { node { id phone } } } }`;
const partner = { sub: 'partner-encryption', roles: [Role.PARTNER], scopes: [Scope.LEADS_WRITE] };
let refs = 0;
let phones = 0;

/** Leads registered through the API, routed to a relationship manager of a branch in a city of its own. */
async function leadsOfNewManager(count: number) {
  const city = `加密市${++refs}`;
  const branch = await make.branch({ city });
  const rm = await make.staff({ branchId: branch.id });
  await make.customer({ branchId: branch.id, relationshipManagerId: rm.id });
  const registered: { id: string; phone: string }[] = [];
  for (let i = 0; i < count; i++) {
    const phone = `137${String(10_000_000 + refs * 1000 + ++phones).slice(-8)}`;
    const res = await app.gql(
      REGISTER,
      {
        input: {
          name: '周八',
          phone,
          sourceChannel: 'PARTNER',
          consentReference: 'c-1',
          city,
          externalRef: `enc-${refs}-${i}`,
        },
      },
      { as: partner },
    );
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    registered.push({ id: res.data.registerLead.id, phone });
  }
  return { registered, asRm: { sub: rm.id, roles: [Role.RELATIONSHIP_MANAGER], branchId: branch.id } };
}

async function phonesReadBy(as: { sub: string; roles: Role[]; branchId: string }) {
  const res = await app.gql(LEADS, undefined, { as });
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return Object.fromEntries(res.data.leads.edges.map((e: any) => [e.node.id, e.node.phone]));
}

it('stores a lead phone only as ciphertext, and its manager reads it in full', async () => {
  const { registered, asRm } = await leadsOfNewManager(2);
  const stored = await app.ds.query(`SELECT id, phone FROM lead WHERE id = ANY($1)`, [registered.map((l) => l.id)]);
  for (const row of stored) {
    expect(row.phone).toMatch(/^enc1:\d+:/);
    expect(registered.some((l) => row.phone.includes(l.phone))).toBe(false);
  }
  expect(await phonesReadBy(asRm)).toEqual(Object.fromEntries(registered.map((l) => [l.id, l.phone])));
});

it('leaves no lead phone in a pg_dump of the database', async () => {
  const { registered } = await leadsOfNewManager(3);
  const { stdout } = await promisify(execFile)('pg_dump', ['--data-only', app.databaseUrl], {
    maxBuffer: 256 * 1024 * 1024,
  });
  expect(stdout).toContain('enc1:');
  for (const { phone } of registered) expect([phone, stdout.includes(phone)]).toEqual([phone, false]);
});

it('binds a value to its column: a ciphertext does not open as another column', async () => {
  const keyring = new Keyring(localMasterKeys(config.encryption));
  const sealed = await keyring.encrypt(app.ds, 'lead', 'phone', '13700000000');
  expect(keyring.decrypt('lead', 'phone', sealed)).toBe('13700000000');
  expect(() => keyring.decrypt('lead', 'name', sealed)).toThrow();
  // One flipped character of the ciphertext: authenticated encryption refuses it.
  const tampered = sealed.slice(0, -3) + (sealed.at(-3) === 'A' ? 'B' : 'A') + sealed.slice(-2);
  expect(() => keyring.decrypt('lead', 'phone', tampered)).toThrow();
});

it('rotates the lead data key in batches while reads keep answering every phone', async () => {
  const { registered, asRm } = await leadsOfNewManager(25);
  // Plaintext from before the column was encrypted is encrypted by the rotation too.
  await app.ds.query(`UPDATE lead SET phone = $2 WHERE id = $1`, [registered[0].id, registered[0].phone]);
  const expected = Object.fromEntries(registered.map((l) => [l.id, l.phone]));
  const midway: Record<string, string>[] = [];
  const { keyId } = await rotateDataKey(app.ds, localMasterKeys(config.encryption), 'lead', {
    batchSize: 10,
    settleMs: 0,
    onBatch: async ({ left }) => {
      if (left > 0) midway.push(await phonesReadBy(asRm));
    },
  });
  expect(midway.length).toBeGreaterThanOrEqual(1);
  for (const read of midway) expect(read).toEqual(expected);
  expect(Object.keys(await keyUsage(app.ds, 'lead'))).toEqual([String(keyId)]);
  expect(await phonesReadBy(asRm)).toEqual(expected);
  // The old key is retired, not destroyed: a server that has not refreshed yet still reads with it.
  const [{ retired }] = await app.ds.query(
    `SELECT count(*)::int AS retired FROM data_key WHERE scope = 'lead' AND retired_at IS NOT NULL`,
  );
  expect(retired).toBeGreaterThanOrEqual(1);
});

it('refuses to start in production without a master key', () => {
  expect(() =>
    loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'p'.repeat(40), AUDIT_HASH_KEY: 'a'.repeat(40) }),
  ).toThrow(/MASTER_KEY: must be set in production/);
  expect(() => loadConfig({ MASTER_KEY: 'too-short' })).toThrow(/MASTER_KEY/);
});

describe('customers and holdings', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-encryption-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  let files = 0;
  async function load(kind: KindName, rows: Record<string, string>[]) {
    const header = Object.keys(rows[0]);
    const file = join(dir, `${kind}-${++files}.csv`);
    await writeFile(file, [header.join(','), ...rows.map((r) => header.map((h) => r[h]).join(','))].join('\n') + '\n');
    return loadFile({ ds: app.ds, embedded: false }, { kind, file });
  }

  let people = 0;
  /** A customer's CSV row with values of its own: no other test's ID number, phone, email or street. */
  function person(branchCode: string, values: Record<string, string> = {}) {
    const i = ++people;
    return {
      customer_no: `EC${String(i).padStart(9, '0')}`,
      name: '王加密',
      gender: 'FEMALE',
      birth_date: '1979-03-04',
      id_type: 'RESIDENT_ID',
      id_number: residentIdNumber('440305', '1979-03-04', 2 * i + 1, 'FEMALE'),
      phone: `136${String(55_000_000 + i)}`,
      email: `enc${i}@example.cn`,
      address_province: '广东省',
      address_city: '深圳市',
      address_district: '南山区',
      address_street: `科技园加密路${i}号`,
      city: '深圳市',
      branch_code: branchCode,
      relationship_manager_employee_no: '',
      kyc_status: 'VERIFIED',
      onboarded_on: '2021-01-01',
      ...values,
    };
  }

  const holdingRow = (customerNo: string, productCode: string, accountNo: string) => ({
    account_no: accountNo,
    customer_no: customerNo,
    product_code: productCode,
    balance: '1000.00',
    currency: 'CNY',
    opened_on: '2024-02-02',
    maturity_date: '',
    status: 'ACTIVE',
  });

  const CUSTOMER = `query ($id: ID!) { customer(id: $id) { id idNumber phone email address
    holdings(first: 20) { edges { node { id accountNo } } } } }`;

  /** What the API answers an auditor (who reads every field in full) about these customers. */
  async function readThroughApi(ids: string[]) {
    const read: Record<
      string,
      { idNumber: string; phone: string; email: string | null; address: string; accountNos: string[] }
    > = {};
    for (const id of ids) {
      const res = await app.gql(CUSTOMER, { id });
      if (res.errors) throw new Error(JSON.stringify(res.errors));
      const { idNumber, phone, email, address, holdings } = res.data.customer;
      read[id] = { idNumber, phone, email, address, accountNos: holdings.edges.map((e: any) => e.node.accountNo) };
    }
    return read;
  }

  async function loadedBook(count: number, holdingsEach = 1) {
    const branch = await make.branch();
    const product = await make.product();
    const rows = Array.from({ length: count }, () => person(branch.code));
    const holdings = rows.flatMap((r, i) =>
      Array.from({ length: holdingsEach }, (_, k) =>
        holdingRow(r.customer_no, product.code, `6217${String(people).padStart(6, '0')}${i}${k}00`),
      ),
    );
    expect(await load('customers', rows)).toMatchObject({ inserted: count, rejected: 0 });
    expect(await load('holdings', holdings)).toMatchObject({ inserted: holdings.length, rejected: 0 });
    const ids: { id: string; customer_no: string }[] = await app.ds.query(
      `SELECT id, customer_no FROM customer WHERE customer_no = ANY($1) ORDER BY customer_no`,
      [rows.map((r) => r.customer_no)],
    );
    return { branch, product, rows, holdings, ids: ids.map((r) => r.id) };
  }

  it('loads customers and holdings as ciphertext with blind indexes; the same files again change nothing', async () => {
    const { rows, holdings, ids } = await loadedBook(2);
    const stored = await app.ds.query(
      `SELECT id_number, phone, email, address_street, id_number_bidx, pii_digest FROM customer WHERE id = ANY($1)`,
      [ids],
    );
    for (const row of stored) {
      for (const column of ['id_number', 'phone', 'email', 'address_street']) expect(row[column]).toMatch(/^enc1:\d+:/);
      expect(row.id_number_bidx).toEqual(expect.any(String));
      expect(row.pii_digest).toEqual(expect.any(String));
    }
    const accounts = await app.ds.query(
      `SELECT account_no, account_no_bidx FROM holding h JOIN customer c ON c.id = h.customer_id WHERE c.id = ANY($1)`,
      [ids],
    );
    expect(accounts).toHaveLength(2);
    for (const row of accounts) expect(row.account_no).toMatch(/^enc1:\d+:/);
    // The blind indexes are those of the loaded account numbers: what the next load finds them by.
    const indexes = await Promise.all(holdings.map((h) => blindIndexOf(app.ds, 'holding', 'account_no', h.account_no)));
    expect(accounts.map((r: { account_no_bidx: string }) => r.account_no_bidx).sort()).toEqual(indexes.sort());
    const read = await readThroughApi(ids);
    expect(
      Object.values(read)
        .map((r) => [r.idNumber, r.phone, r.email])
        .sort(),
    ).toEqual(rows.map((r) => [r.id_number, r.phone, r.email]).sort());
    expect(
      Object.values(read)
        .flatMap((r) => r.accountNos)
        .sort(),
    ).toEqual(holdings.map((h) => h.account_no).sort());

    expect(await load('customers', rows)).toMatchObject({ inserted: 0, updated: 0, unchanged: 2, rejected: 0 });
    expect(await load('holdings', holdings)).toMatchObject({ inserted: 0, updated: 0, unchanged: 2, rejected: 0 });

    // A changed phone is a change, though no ciphertext can be compared: the digest differs.
    const moved = { ...rows[0], phone: '13611112222' };
    expect(await load('customers', [moved, rows[1]])).toMatchObject({ updated: 1, unchanged: 1 });
    const [customer] = await app.ds.query(`SELECT id FROM customer WHERE customer_no = $1`, [moved.customer_no]);
    expect((await readThroughApi([customer.id]))[customer.id].phone).toBe('13611112222');
  });

  it('refuses a loaded ID number that another customer has, compared by blind index, in the database and in the load', async () => {
    const { branch, rows } = await loadedBook(1);
    const taken = person(branch.code, { id_number: rows[0].id_number });
    const twiceA = person(branch.code);
    const twiceB = person(branch.code, { id_number: twiceA.id_number });
    const summary = await load('customers', [taken, twiceA, twiceB]);
    expect(summary).toMatchObject({ inserted: 1, rejected: 2 });
    const [{ n }] = await app.ds.query(`SELECT count(*)::int AS n FROM customer WHERE customer_no = ANY($1)`, [
      [taken.customer_no, twiceB.customer_no],
    ]);
    expect(n).toBe(0);
  });

  it('answers on a page the encrypted fields it selects as the 360° view does, and holdings aliased with and without account numbers agree', async () => {
    const { branch, ids } = await loadedBook(2, 2);
    const single = await readThroughApi(ids);
    const PAGE = `query ($branch: ID!) {
      full: customers(first: 10, filter: { branchIds: [$branch] }) { edges { node { id idNumber phone email address
        plain: holdings(first: 20) { edges { node { id } } }
        numbered: holdings(first: 20) { edges { node { id accountNo } } } } } }
      bare: customers(first: 10, filter: { branchIds: [$branch] }) { edges { node { id name
        holdings(first: 20) { edges { node { id status } } } } } } }`;
    const res = await app.gql(PAGE, { branch: branch.id });
    expect(res.errors).toBeUndefined();
    const full = res.data.full.edges.map((e: any) => e.node);
    expect(full.map((c: any) => c.id).sort()).toEqual([...ids].sort());
    for (const c of full) {
      const { accountNos, ...fields } = single[c.id];
      expect({ idNumber: c.idNumber, phone: c.phone, email: c.email, address: c.address }).toEqual(fields);
      expect(c.numbered.edges.map((e: any) => e.node.accountNo)).toEqual(accountNos);
      expect(c.plain.edges.map((e: any) => e.node.id)).toEqual(c.numbered.edges.map((e: any) => e.node.id));
    }
    const bare = res.data.bare.edges.map((e: any) => e.node);
    expect(bare.map((c: any) => Object.keys(c).sort())).toEqual(ids.map(() => ['holdings', 'id', 'name']));
    expect(bare.flatMap((c: any) => c.holdings.edges.map((e: any) => e.node.status))).toHaveLength(4);
  });

  it('opens, of a page of customer rows, only the columns of the fields it shows; the others become null, never ciphertext', async () => {
    const { ids } = await loadedBook(2);
    const single = await readThroughApi(ids);
    type Row = { id: string; idNumber: string; phone: string; email: string | null; addressStreet: string };
    const rowsOf = (): Promise<Row[]> =>
      app.ds.query(
        `SELECT id, id_number AS "idNumber", phone, email, address_street AS "addressStreet"
         FROM customer WHERE id = ANY($1) ORDER BY id`,
        [ids],
      );
    const keyring = new Keyring(localMasterKeys(config.encryption));
    const opened = await openCustomerRows(keyring, app.ds, await rowsOf(), new Set(['id', 'phone', 'address']));
    expect(opened.map((r) => [r.id, r.phone, r.idNumber, r.email])).toEqual(
      [...ids].sort().map((id) => [id, single[id].phone, null, null]),
    );
    for (const r of opened) expect(single[r.id].address.endsWith(r.addressStreet)).toBe(true);
    // Without a selection (a single customer, primed for every path of the request): every column.
    const all = await openCustomerRows(keyring, app.ds, await rowsOf());
    expect(all.map((r) => r.idNumber)).toEqual([...ids].sort().map((id) => single[id].idNumber));
  });

  it('leaves none of the ID numbers, phones, emails, streets or account numbers read through the API in a pg_dump', async () => {
    const loaded = await loadedBook(2, 2);
    const made = await make.customer();
    await make.holding(made.id);
    const { registered } = await leadsOfNewManager(2);
    const read = await readThroughApi([...loaded.ids, made.id]);
    const values = Object.values(read).flatMap((r) => [r.idNumber, r.phone, r.email!, ...r.accountNos]);
    // The street, as loaded: the API answers it inside the whole address.
    values.push(...loaded.rows.map((r) => r.address_street), made.addressStreet, ...registered.map((l) => l.phone));
    expect(values.filter((v) => !v)).toEqual([]);
    // Three customers' ID number, phone and email, five account numbers, three streets, two lead phones.
    expect(values).toHaveLength(3 * 3 + 5 + 3 + 2);
    const { stdout } = await promisify(execFile)('pg_dump', ['--data-only', app.databaseUrl], {
      maxBuffer: 256 * 1024 * 1024,
    });
    expect(values.filter((value) => stdout.includes(value))).toEqual([]);
  });

  it('rotates the customer and holding data keys in batches while reads keep answering every value', async () => {
    const { ids } = await loadedBook(6);
    // A row from before its columns were encrypted: the rotation encrypts it and fills its index and digest.
    const before = await readThroughApi(ids);
    await app.ds.query(
      `UPDATE customer SET phone = $2, id_number = $3, id_number_bidx = NULL, pii_digest = NULL WHERE id = $1`,
      [ids[0], before[ids[0]].phone, before[ids[0]].idNumber],
    );
    for (const scope of ['customer', 'holding'] as const) {
      const midway: unknown[] = [];
      const { keyId, left } = await rotateDataKey(app.ds, localMasterKeys(config.encryption), scope, {
        batchSize: 3,
        settleMs: 0,
        onBatch: async ({ left: remaining }) => {
          if (remaining > 0) midway.push(await readThroughApi(ids));
        },
      });
      expect(left).toBe(0);
      expect(midway.length).toBeGreaterThanOrEqual(1);
      for (const answer of midway) expect(answer).toEqual(before);
      expect(Object.keys(await keyUsage(app.ds, scope))).toEqual([String(keyId)]);
    }
    expect(await readThroughApi(ids)).toEqual(before);
    const [sealed] = await app.ds.query(`SELECT phone, id_number_bidx FROM customer WHERE id = $1`, [ids[0]]);
    expect(sealed.phone).toMatch(/^enc1:/);
    expect(sealed.id_number_bidx).toBe(await blindIndexOf(app.ds, 'customer', 'id_number', before[ids[0]].idNumber));
  });

  it('seals rows stored before encryption, so that the blind-index checks find them', async () => {
    const { branch, ids } = await loadedBook(1);
    const [plain] = await readThroughApi(ids).then(Object.values);
    await app.ds.query(
      `UPDATE customer SET id_number = $2, phone = $3, email = $4, id_number_bidx = NULL, pii_digest = NULL WHERE id = $1`,
      [ids[0], plain.idNumber, plain.phone, plain.email],
    );
    // Still readable as it is (no prefix: plaintext) before it is sealed.
    expect(await readThroughApi(ids)).toEqual({ [ids[0]]: plain });
    expect(await sealLegacyRows(app.ds, keyringFor(app.ds))).toBeGreaterThanOrEqual(1);
    const [row] = await app.ds.query(`SELECT id_number, phone, email, id_number_bidx FROM customer WHERE id = $1`, [
      ids[0],
    ]);
    expect([row.id_number, row.phone, row.email]).toEqual([
      expect.stringMatching(/^enc1:/),
      expect.stringMatching(/^enc1:/),
      expect.stringMatching(/^enc1:/),
    ]);
    expect(await readThroughApi(ids)).toEqual({ [ids[0]]: plain });
    const thief = person(branch.code, { id_number: plain.idNumber });
    expect(await load('customers', [thief])).toMatchObject({ inserted: 0, rejected: 1 });
  });

  it("erases a prospect's leads found by the blind index of the customer's phone", async () => {
    const customer = await make.customer();
    const city = `加密市${++refs}`;
    await make.branch({ city });
    const res = await app.gql(
      REGISTER,
      {
        input: {
          name: '张三丰',
          phone: customer.phone,
          sourceChannel: 'PARTNER',
          consentReference: 'c-2',
          city,
          externalRef: `enc-prospect-${refs}`,
        },
      },
      { as: partner },
    );
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    const [lead] = await app.ds.query(`SELECT customer_id, phone_bidx FROM lead WHERE id = $1`, [
      res.data.registerLead.id,
    ]);
    expect(lead).toEqual({
      customer_id: null,
      phone_bidx: await blindIndexOf(app.ds, 'lead', 'phone', customer.phone),
    });
    // Another customer on the same line (a family phone): their own lead is theirs, neither exported nor erased.
    const sibling = await make.customer({ phone: customer.phone });
    const siblingLead = await make.lead(sibling, { name: '张小丰', phone: customer.phone });
    const auditor = { sub: (await make.staff()).id, roles: [Role.COMPLIANCE_AUDITOR] };
    const exported = await app.gql(
      `query ($id: ID!) { dataSubjectExport(customerId: $id) { document } }`,
      { id: customer.id },
      { as: auditor },
    );
    if (exported.errors) throw new Error(JSON.stringify(exported.errors));
    expect(exported.data.dataSubjectExport.document.leads.map((l: { id: string }) => l.id)).toEqual([
      res.data.registerLead.id,
    ]);
    const erased = await app.gql(
      `mutation ($id: ID!) { eraseCustomer(customerId: $id, reason: DATA_SUBJECT_REQUEST) { removed { kind count } } }`,
      { id: customer.id },
      // A write: its token's subject is a staff member.
      { as: { sub: (await make.staff()).id, roles: [Role.COMPLIANCE_AUDITOR] } },
    );
    if (erased.errors) throw new Error(JSON.stringify(erased.errors));
    expect(erased.data.eraseCustomer.removed).toContainEqual({ kind: 'leads', count: 1 });
    const [{ n }] = await app.ds.query(`SELECT count(*)::int AS n FROM lead WHERE id = $1`, [res.data.registerLead.id]);
    expect(n).toBe(0);
    const [{ kept }] = await app.ds.query(`SELECT count(*)::int AS kept FROM lead WHERE id = $1`, [siblingLead.id]);
    expect(kept).toBe(1);
  });

  it('a bulk load of a holding stored before the upgrade (plaintext, no blind index) updates it, not a second row', async () => {
    const customer = await make.customer();
    const product = await make.product();
    const holding = await make.holding(customer.id, { productId: product.id });
    const accountNo = holding.accountNo;
    // What BlindIndexes1766304000000 leaves for a row stored before it: plaintext, no blind index.
    await app.ds.query(`UPDATE holding SET account_no = $2, account_no_bidx = NULL WHERE id = $1`, [
      holding.id,
      accountNo,
    ]);
    // A bulk load seals rows an upgrade left before its lookups, so it finds this one by its blind index.
    const summary = await load('holdings', [
      {
        account_no: accountNo,
        customer_no: customer.customerNo,
        product_code: product.code,
        balance: '1000.00',
        currency: 'CNY',
        opened_on: '2024-02-02',
        maturity_date: '',
        status: 'ACTIVE',
      },
    ]);
    const [{ n }] = await app.ds.query(`SELECT count(*)::int AS n FROM holding WHERE customer_id = $1`, [customer.id]);
    // Sealing afterwards (the next server start) must still work, and leave no account number in clear.
    const sealing = await sealLegacyRows(app.ds, keyringFor(app.ds)).then(
      () => 'sealed',
      (error: Error) => error.message,
    );
    expect({ inserted: summary.inserted, holdings: n, sealing }).toEqual({
      inserted: 0,
      holdings: 1,
      sealing: 'sealed',
    });
  });

  it('a bulk load refuses an ID number that a customer stored before the upgrade has; sealing then still succeeds', async () => {
    const branch = await make.branch();
    const legacy = await make.customer({ branchId: branch.id });
    await app.ds.query(`UPDATE customer SET id_number = $2, id_number_bidx = NULL, pii_digest = NULL WHERE id = $1`, [
      legacy.id,
      legacy.idNumber,
    ]);
    const summary = await load('customers', [
      {
        customer_no: `RV${Date.now()}`.slice(0, 20),
        name: '王冒名',
        gender: 'MALE',
        birth_date: '1980-01-01',
        id_type: 'RESIDENT_ID',
        id_number: legacy.idNumber,
        phone: '13900001111',
        email: 'rv@example.cn',
        address_province: '广东省',
        address_city: '深圳市',
        address_district: '南山区',
        address_street: '评审路1号',
        city: '深圳市',
        branch_code: branch.code,
        relationship_manager_employee_no: '',
        kyc_status: 'VERIFIED',
        onboarded_on: '2021-01-01',
      },
    ]);
    const sealing = await sealLegacyRows(app.ds, keyringFor(app.ds)).then(
      () => 'sealed',
      (error: Error) => error.message,
    );
    const [{ plain }] = await app.ds.query(`SELECT id_number NOT LIKE 'enc1:%' AS plain FROM customer WHERE id = $1`, [
      legacy.id,
    ]);
    expect({ rejected: summary.rejected, sealing, stillPlaintext: plain }).toEqual({
      rejected: 1,
      sealing: 'sealed',
      stillPlaintext: false,
    });
  });
});

it('seeds (npm run seed, the demo data) customers and holdings encrypted, with their blind indexes', async () => {
  const db = await createTestDatabase();
  const ds = createDataSource(db.url, { poolSize: 2 });
  await ds.initialize();
  try {
    const keyring = new Keyring(localMasterKeys(config.encryption));
    await seedDatabase(ds, { customers: 30, seed: 7, keyring });
    const [counts] = await ds.query(`
      SELECT (SELECT count(*)::int FROM customer) AS customers,
             (SELECT count(*)::int FROM customer WHERE id_number LIKE 'enc1:%' AND phone LIKE 'enc1:%'
                AND address_street LIKE 'enc1:%' AND (email IS NULL OR email LIKE 'enc1:%')
                AND id_number_bidx IS NOT NULL AND pii_digest IS NOT NULL) AS sealed,
             (SELECT count(*)::int FROM holding) AS holdings,
             (SELECT count(*)::int FROM holding WHERE account_no LIKE 'enc1:%' AND account_no_bidx IS NOT NULL) AS "sealedHoldings"`);
    expect(counts.customers).toBe(30);
    expect(counts.sealed).toBe(30);
    expect(counts.holdings).toBeGreaterThan(0);
    expect(counts.sealedHoldings).toBe(counts.holdings);
    const rows: { phone: string }[] = await ds.query(`SELECT phone FROM customer`);
    await keyring.open(ds, 'customer', rows, { phone: 'phone' });
    for (const { phone } of rows) expect(phone).toMatch(/^1[3-9]\d{9}$/);
  } finally {
    await ds.destroy();
    await db.drop();
  }
});

// Last: it leaves the data keys wrapped under a master key the other tests' config does not hold.
it('re-wraps the data keys under a new master key; a keyring with only the new key then opens every phone', async () => {
  const { registered, asRm } = await leadsOfNewManager(2);
  const next = { id: 'test-master-2', key: randomBytes(32).toString('base64') };
  const both = new LocalMasterKeys(
    next.id,
    new Map([
      [MASTER.id, Buffer.from(MASTER.key, 'base64')],
      [next.id, Buffer.from(next.key, 'base64')],
    ]),
  );
  expect(await rewrapDataKeys(app.ds, both)).toBeGreaterThanOrEqual(1);
  const [{ stale }] = await app.ds.query(`SELECT count(*)::int AS stale FROM data_key WHERE master_key_id <> $1`, [
    next.id,
  ]);
  expect(stale).toBe(0);
  // A process configured with the new master key alone (the old one retired) opens every phone.
  const keyring = new Keyring(localMasterKeys({ masterKey: next, retiredKeys: [], keyFile: '' }));
  const stored = await app.ds.query(`SELECT phone FROM lead WHERE id = ANY($1) ORDER BY id`, [
    registered.map((l) => l.id),
  ]);
  await keyring.prepare(
    app.ds,
    stored.map((r: { phone: string }) => r.phone),
  );
  expect(stored.map((r: { phone: string }) => keyring.decrypt('lead', 'phone', r.phone)).sort()).toEqual(
    registered.map((l) => l.phone).sort(),
  );
  expect(Object.values(await phonesReadBy(asRm)).sort()).toEqual(registered.map((l) => l.phone).sort());
});
