import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { Role } from '../../src/auth/roles';
import { createDataSource } from '../../src/db/data-source';
import { applyRows, validateRow, ValidRow } from '../../src/ingest/apply';
import { KindName, KINDS } from '../../src/ingest/kinds';
import { loadFile, LoadFileRequest } from '../../src/ingest/load-file';
import { CampaignStatus, EnrollmentStatus } from '../../src/modules/campaign/campaign.enums';
import { Channel } from '../../src/modules/interaction/interaction.enums';
import { residentIdNumber } from '../../src/seed/id-number';
import { useTestApp } from '../support/test-app';
import { withAdmin } from '../support/test-database';
import { blindIndexOf, decrypted } from '../support/stored';

const { app, make } = useTestApp();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'c360-bulk-load-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

let fileNo = 0;
const cell = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/** A CSV file of `rows`, its header the first row's keys. */
async function csvFile(rows: Record<string, string>[], encoding: 'utf8' | 'gb18030' = 'utf8'): Promise<string> {
  const header = Object.keys(rows[0]);
  const text = [header.join(','), ...rows.map((r) => header.map((h) => cell(r[h] ?? '')).join(','))].join('\n') + '\n';
  const path = join(dir, `file-${++fileNo}.csv`);
  await writeFile(path, encoding === 'utf8' ? text : iconv.encode(text, 'gb18030'));
  return path;
}

async function ndjsonFile(lines: string[]): Promise<string> {
  const path = join(dir, `file-${++fileNo}.ndjson`);
  await writeFile(path, lines.join('\n') + '\n');
  return path;
}

const load = (kind: KindName, file: string, more: Partial<LoadFileRequest> = {}) =>
  loadFile({ ds: app.ds, embedded: false }, { kind, file, ...more });

async function reportOf(file: string): Promise<{ text: string; rows: { row: string; key: string; reason: string }[] }> {
  const text = await readFile(`${file}.rejects.csv`, 'utf8');
  return { text, rows: parse(text, { columns: true }) };
}

let n = 0;
/** Values unique to one test, so tests sharing the file's database never meet. */
function unique() {
  const i = ++n;
  const birthDate = '1980-05-06';
  return {
    i,
    branchCode: `LB${i}`,
    branchId: randomUUID(),
    staffId: randomUUID(),
    employeeNo: `LE${i}`,
    productCode: `LP${i}`,
    customerNo: `LC${String(i).padStart(9, '0')}`,
    idNumber: residentIdNumber('320106', birthDate, 100 + 2 * i, 'MALE'),
    phone: `139${String(i).padStart(8, '0')}`,
    birthDate,
    accountNo: `6222999${String(i).padStart(9, '0')}`,
  };
}

function customerRow(u: ReturnType<typeof unique>, values: Record<string, string> = {}): Record<string, string> {
  return {
    customer_no: u.customerNo,
    name: '李明',
    gender: 'MALE',
    birth_date: u.birthDate,
    id_type: 'RESIDENT_ID',
    id_number: u.idNumber,
    phone: u.phone,
    email: `c${u.i}@example.com`,
    address_province: '江苏省',
    address_city: '南京市',
    address_district: '鼓楼区',
    address_street: `中山路${u.i}号`,
    city: '南京市',
    branch_code: u.branchCode,
    relationship_manager_employee_no: '',
    kyc_status: 'VERIFIED',
    onboarded_on: '2020-03-01',
    ...values,
  };
}

/** A branch, a product and customers, loaded through the loader itself. */
async function loadedCustomers(count: number) {
  const us = Array.from({ length: count }, () => unique());
  const [first] = us;
  await load(
    'branches',
    await csvFile([{ branch_id: first.branchId, code: first.branchCode, name: '测试支行', city: '南京市' }]),
  );
  await load(
    'products',
    await csvFile([{ code: first.productCode, name: '测试基金', type: 'FUND', risk_level: 'R2' }]),
  );
  await load('customers', await csvFile(us.map((u) => customerRow(u, { branch_code: first.branchCode }))));
  const ids: { id: string; customer_no: string }[] = await app.ds.query(
    `SELECT id, customer_no FROM customer WHERE customer_no = ANY($1)`,
    [us.map((u) => u.customerNo)],
  );
  const idOf = new Map(ids.map((r) => [r.customer_no, r.id]));
  return us.map((u) => ({
    ...u,
    id: idOf.get(u.customerNo)!,
    branchCode: first.branchCode,
    productCode: first.productCode,
  }));
}

describe('every kind', () => {
  it('loads from files, matches the bank tokens to the loaded directory, and a second load changes nothing', async () => {
    const u = unique();
    const files: [KindName, string, number][] = [
      [
        'branches',
        await csvFile([
          { branch_id: u.branchId.toUpperCase(), code: u.branchCode, name: '南京鼓楼支行', city: '南京市' },
        ]),
        1,
      ],
      [
        'staff',
        await csvFile([
          {
            staff_id: u.staffId,
            employee_no: u.employeeNo,
            name: '王芳',
            branch_code: u.branchCode,
            title: '客户经理',
          },
        ]),
        1,
      ],
      ['products', await csvFile([{ code: u.productCode, name: '新债券基金', type: 'FUND', risk_level: 'R2' }]), 1],
      [
        'exchange_rates',
        await csvFile([
          { currency: 'USD', rate_date: '2026-11-26', cny_per_unit: '7.1234' },
          { currency: 'GBP', rate_date: '2026-11-26', cny_per_unit: '9.05' },
        ]),
        2,
      ],
      ['customers', await csvFile([customerRow(u, { relationship_manager_employee_no: u.employeeNo })]), 1],
      [
        'consents',
        await ndjsonFile([
          `{"customer_no":"${u.customerNo}","purpose":"MARKETING","channel":"WECHAT","granted":true}`,
          `{"customer_no":"${u.customerNo}","purpose":"PERSONALISED_MARKETING","granted":false,"updated_at":"2026-11-20T09:00:00+08:00"}`,
        ]),
        2,
      ],
      [
        'holdings',
        await csvFile([
          {
            account_no: u.accountNo,
            customer_no: u.customerNo,
            product_code: u.productCode,
            balance: '150000.5',
            currency: 'CNY',
            opened_on: '2025-01-01',
            maturity_date: '',
            status: 'ACTIVE',
          },
        ]),
        1,
      ],
      [
        'daily_balances',
        await csvFile([
          { account_no: u.accountNo, balance_date: '2026-11-25', balance: '150000.00' },
          { account_no: u.accountNo, balance_date: '2026-11-26', balance: '151000.00' },
        ]),
        2,
      ],
      [
        'risk_assessments',
        await csvFile([
          {
            customer_no: u.customerNo,
            assessed_at: '2026-06-01T10:00:00+08:00',
            risk_tolerance: 'C3',
            valid_until: '2027-06-01',
            credit_grade: 'AA',
            aml_rating: 'LOW',
          },
        ]),
        1,
      ],
      [
        'tags',
        await csvFile([
          {
            customer_no: u.customerNo,
            tag_code: (await make.tag()).code,
            source: 'MODEL',
            confidence: '0.87',
            assigned_at: '2026-11-01T00:00:00Z',
            expires_at: '',
          },
        ]),
        1,
      ],
      [
        'interactions',
        await csvFile([
          {
            source_system: 'MOBILE',
            source_ref: `L-${u.i}`,
            customer_no: u.customerNo,
            channel: 'MOBILE_APP',
            type: 'LOGIN',
            occurred_at: '2026-11-26T08:00:00+08:00',
            summary: '登录手机银行',
            outcome: '',
            staff_employee_no: '',
          },
          {
            source_system: 'CORE',
            source_ref: `T-${u.i}`,
            customer_no: u.customerNo,
            channel: 'BRANCH',
            type: 'TRANSACTION',
            occurred_at: '2026-11-26T10:00:00+08:00',
            summary: '柜面转账',
            outcome: '完成',
            staff_employee_no: u.employeeNo,
          },
        ]),
        2,
      ],
    ];

    for (const [kind, file, rows] of files) {
      expect(await load(kind, file)).toMatchObject({ kind, rowsRead: rows, inserted: rows, updated: 0, rejected: 0 });
    }

    const [customer] = await app.ds.query(
      `SELECT c.id, c.name, c.branch_id, c.relationship_manager_id, c.personalised_marketing_withdrawn,
              h.balance, (SELECT count(*)::int FROM holding_daily_balance d WHERE d.holding_id = h.id) AS balances,
              (SELECT risk_tolerance FROM risk_assessment r WHERE r.customer_id = c.id) AS risk,
              (SELECT confidence FROM customer_tag t WHERE t.customer_id = c.id) AS confidence,
              (SELECT array_agg(i.source_ref || ':' || coalesce(i.staff_id::text, '-') ORDER BY i.source_ref)
                 FROM interaction i WHERE i.customer_id = c.id) AS interactions
       FROM customer c JOIN holding h ON h.customer_id = c.id WHERE c.customer_no = $1`,
      [u.customerNo],
    );
    expect(customer).toMatchObject({
      name: '李明',
      branch_id: u.branchId,
      relationship_manager_id: u.staffId,
      personalised_marketing_withdrawn: true,
      balance: '150000.50',
      balances: 2,
      risk: 'C3',
      confidence: '0.870',
      interactions: [`L-${u.i}:-`, `T-${u.i}:${u.staffId}`],
    });

    // The bank's own tokens: the loaded staff id is the RM, the loaded branch id the branch.
    const query = `query ($no: String!) { customerByNumber(customerNo: $no) { name relationshipManager { id } branch { id code } } }`;
    const expected = {
      name: '李明',
      relationshipManager: { id: u.staffId },
      branch: { id: u.branchId, code: u.branchCode },
    };
    const asManager = await app.gql(
      query,
      { no: u.customerNo },
      { as: { sub: u.staffId, roles: [Role.RELATIONSHIP_MANAGER] } },
    );
    expect(asManager.data.customerByNumber).toEqual(expected);
    const asBranch = await app.gql(
      query,
      { no: u.customerNo },
      { as: { sub: randomUUID(), roles: [Role.BRANCH_STAFF], branchId: u.branchId } },
    );
    expect(asBranch.data.customerByNumber).toEqual(expected);

    const versions = () =>
      app.ds.query(
        `SELECT xmin::text, xmax::text FROM holding WHERE account_no = $1 UNION ALL SELECT xmin::text, xmax::text FROM customer WHERE customer_no = $2`,
        [u.accountNo, u.customerNo],
      );
    const before = await versions();
    for (const [kind, file, rows] of files) {
      expect(await load(kind, file)).toMatchObject({ kind, inserted: 0, updated: 0, unchanged: rows, rejected: 0 });
    }
    // Not rewritten (xmin: the same tuple versions), not even locked (xmax, which a lock sets, is as it was).
    expect(await versions()).toEqual(before);
  });

  it('updates what changed, by natural key, and counts the rest as unchanged', async () => {
    const [a, b] = await loadedCustomers(2);
    const holding = (u: typeof a, balance: string) => ({
      account_no: u.accountNo,
      customer_no: u.customerNo,
      product_code: u.productCode,
      balance,
      currency: '',
      opened_on: '2025-01-01',
      maturity_date: '',
      status: 'ACTIVE',
    });
    await load('holdings', await csvFile([holding(a, '100.00'), holding(b, '200.00')]));
    const summary = await load('holdings', await csvFile([holding(a, '100'), holding(b, '250.00')]));
    expect(summary).toMatchObject({ inserted: 0, updated: 1, unchanged: 1 });
    const stored: { account_no: string; balance: string; currency: string }[] = await app.ds.query(
      `SELECT account_no, balance, currency FROM holding WHERE account_no_bidx = ANY($1)`,
      [
        [
          await blindIndexOf(app.ds, 'holding', 'account_no', a.accountNo),
          await blindIndexOf(app.ds, 'holding', 'account_no', b.accountNo),
        ],
      ],
    );
    const rows = (await decrypted(app.ds, 'holding', stored, { account_no: 'account_no' }))
      .sort((x, y) => (x.account_no < y.account_no ? -1 : 1))
      .map(({ balance, currency }) => ({ balance, currency }));
    expect(rows).toEqual([
      { balance: '100.00', currency: 'CNY' },
      { balance: '250.00', currency: 'CNY' },
    ]);
  });
});

describe('rejected rows', () => {
  it('go to the report with row number, natural key and reason, never personal data; the other rows load', async () => {
    const [existing] = await loadedCustomers(1);
    const good = unique();
    const badFormat = unique();
    const noBranch = unique();
    const takenId = unique();
    const rows = [
      customerRow(good, { branch_code: existing.branchCode, name: '赵敏' }),
      customerRow(badFormat, {
        branch_code: existing.branchCode,
        name: '周芷若',
        phone: '+8613800000000',
        email: 'zhou at example',
      }),
      customerRow(noBranch, { branch_code: 'NO_SUCH_BRANCH', name: '殷素素' }),
      // Another customer's resident ID number: the unique index would abort the load, so it is a reject.
      customerRow(takenId, { branch_code: existing.branchCode, name: '小昭', id_number: existing.idNumber }),
    ];
    const file = await csvFile(rows);

    expect(await load('customers', file)).toMatchObject({ rowsRead: 4, inserted: 1, rejected: 3 });

    const report = await reportOf(file);
    expect(report.rows).toEqual([
      {
        row: '2',
        key: badFormat.customerNo,
        reason: 'phone: must be an 11-digit mainland mobile number without +86; email: must be an email address',
      },
      { row: '3', key: noBranch.customerNo, reason: 'branch_code: no branch has this code' },
      { row: '4', key: takenId.customerNo, reason: 'id_number: already belongs to another customer_no' },
    ]);
    for (const row of rows) {
      for (const personal of [row.name, row.phone, row.email, row.id_number, row.address_street, row.birth_date]) {
        expect(report.text).not.toContain(personal);
      }
    }
    const [{ count }] = await app.ds.query(`SELECT count(*)::int AS count FROM customer WHERE customer_no = ANY($1)`, [
      rows.map((r) => r.customer_no),
    ]);
    expect(count).toBe(1);
  });

  it('include every reference to a row that does not exist', async () => {
    const [c] = await loadedCustomers(1);
    const tag = await make.tag();

    const holdings = await csvFile([
      {
        account_no: `${c.accountNo}1`,
        customer_no: 'LC_NOBODY',
        product_code: c.productCode,
        balance: '1.00',
        opened_on: '2025-01-01',
        status: 'ACTIVE',
      },
      {
        account_no: `${c.accountNo}2`,
        customer_no: c.customerNo,
        product_code: 'NO_PRODUCT',
        balance: '1.00',
        opened_on: '2025-01-01',
        status: 'ACTIVE',
      },
    ]);
    const balances = await csvFile([{ account_no: 'NO_ACCOUNT', balance_date: '2026-11-26', balance: '1.00' }]);
    const tags = await csvFile([
      { customer_no: c.customerNo, tag_code: 'NO_SUCH_TAG', source: 'MANUAL', assigned_at: '2026-11-01T00:00:00Z' },
      { customer_no: 'LC_NOBODY', tag_code: tag.code, source: 'MANUAL', assigned_at: '2026-11-01T00:00:00Z' },
    ]);
    const staff = await csvFile([
      { staff_id: randomUUID(), employee_no: 'LE_NEW', name: '新员工', branch_code: 'NO_BRANCH', title: '柜员' },
    ]);
    const interactions = await csvFile([
      {
        source_system: 'CRM',
        source_ref: `R-${c.i}`,
        customer_no: c.customerNo,
        channel: 'BRANCH',
        type: 'VISIT',
        occurred_at: '2026-11-26T10:00:00+08:00',
        staff_employee_no: 'LE_NOBODY',
      },
    ]);
    const customers = await csvFile([
      customerRow(unique(), { branch_code: c.branchCode, relationship_manager_employee_no: 'LE_NOBODY' }),
    ]);

    const reasons = async (kind: KindName, file: string) => {
      expect(await load(kind, file)).toMatchObject({ inserted: 0 });
      return (await reportOf(file)).rows.map((r) => r.reason);
    };
    expect(await reasons('holdings', holdings)).toEqual([
      'customer_no: no customer has this number',
      'product_code: no product has this code',
    ]);
    expect(await reasons('daily_balances', balances)).toEqual(['account_no: no holding has this account number']);
    expect(await reasons('tags', tags)).toEqual([
      'tag_code: not in the tag catalogue',
      'customer_no: no customer has this number',
    ]);
    expect(await reasons('staff', staff)).toEqual(['branch_code: no branch has this code']);
    expect(await reasons('interactions', interactions)).toEqual([
      'staff_employee_no: no staff member has this employee number',
    ]);
    expect(await reasons('customers', customers)).toEqual([
      'relationship_manager_employee_no: no staff member has this employee number',
    ]);
  });

  it('include a staff or branch row whose token id is another natural key’s, and RULE tags', async () => {
    const branch = await make.branch();
    const member = await make.staff({ branchId: branch.id });
    const staff = await csvFile([
      { staff_id: member.id, employee_no: 'LE_OTHER', name: '张伟', branch_code: branch.code, title: '柜员' },
      { staff_id: randomUUID(), employee_no: member.employeeNo, name: '张伟', branch_code: branch.code, title: '柜员' },
    ]);
    const branches = await csvFile([
      { branch_id: branch.id, code: 'LB_OTHER', name: '别的支行', city: '南京市' },
      { branch_id: randomUUID(), code: branch.code, name: '同一支行', city: '南京市' },
    ]);
    expect(await load('staff', staff)).toMatchObject({ inserted: 0, updated: 0, rejected: 2 });
    expect((await reportOf(staff)).rows.map((r) => r.reason)).toEqual([
      'staff_id: already the id of another employee_no',
      'staff_id: this employee_no already has another id',
    ]);
    expect(await load('branches', branches)).toMatchObject({ inserted: 0, updated: 0, rejected: 2 });
    expect((await reportOf(branches)).rows.map((r) => r.reason)).toEqual([
      'branch_id: already the id of another branch code',
      'branch_id: this branch code already has another id',
    ]);

    const [c] = await loadedCustomers(1);
    const tag = await make.tag();
    const tags = await csvFile([
      { customer_no: c.customerNo, tag_code: tag.code, source: 'RULE', assigned_at: '2026-11-01T00:00:00Z' },
    ]);
    expect(await load('tags', tags)).toMatchObject({ rejected: 1 });
    expect((await reportOf(tags)).rows).toEqual([
      {
        row: '1',
        key: `${c.customerNo}|${tag.code}`,
        reason: 'source: RULE tags are derived by segmentation; load MANUAL or MODEL',
      },
    ]);
  });

  it('include all but the last row of a natural key given twice', async () => {
    const file = await csvFile([
      { currency: 'JPY', rate_date: '2026-11-01', cny_per_unit: '0.047' },
      { currency: 'JPY', rate_date: '2026-11-01', cny_per_unit: '0.048' },
    ]);
    expect(await load('exchange_rates', file)).toMatchObject({ inserted: 1, rejected: 1 });
    expect((await reportOf(file)).rows).toEqual([
      { row: '1', key: 'JPY|2026-11-01', reason: 'key: repeated later in this load; the last row is the one applied' },
    ]);
    expect(await app.ds.query(`SELECT cny_per_unit FROM fx_rate WHERE currency = 'JPY'`)).toEqual([
      { cny_per_unit: '0.048000' },
    ]);
  });
});

describe('files', () => {
  it('loads GB18030 CSV from older systems with Chinese names intact', async () => {
    const u = unique();
    await load(
      'branches',
      await csvFile(
        [{ branch_id: u.branchId, code: u.branchCode, name: '苏州工业园区支行', city: '苏州市' }],
        'gb18030',
      ),
      {
        encoding: 'gb18030',
      },
    );
    const file = await csvFile([customerRow(u, { name: '欧阳娜娜', address_street: '星湖街328号' })], 'gb18030');
    expect(await load('customers', file, { encoding: 'gb18030' })).toMatchObject({ inserted: 1, rejected: 0 });
    const [row] = await decrypted(
      app.ds,
      'customer',
      await app.ds.query(
        `SELECT c.name, c.address_street, b.name AS branch FROM customer c JOIN branch b ON b.id = c.branch_id WHERE customer_no = $1`,
        [u.customerNo],
      ),
      { address_street: 'address_street' },
    );
    expect(row).toEqual({ name: '欧阳娜娜', address_street: '星湖街328号', branch: '苏州工业园区支行' });
  });

  it('loads NDJSON, one object per line; a line that is no object, or names no column, is a rejected row', async () => {
    const [c] = await loadedCustomers(1);
    const file = await ndjsonFile([
      `{"customer_no":"${c.customerNo}","assessed_at":"2026-06-01T10:00:00+08:00","risk_tolerance":"C4","valid_until":"2027-06-01","aml_rating":"LOW"}`,
      '',
      `[1, 2]`,
      `{"customer_no":"${c.customerNo}","assessed_at":"2026-07-01T10:00:00+08:00","risk_tolerance":"C2","valid_until":"2027-07-01","aml_rating":"LOW","colour":"red"}`,
      `{"customer_no":"${c.customerNo}","assessed_at":"2026-08-01T10:00:00Z","risk_tolerance":"C5","valid_until":"2026-07-31","aml_rating":"HIGH","credit_grade":null}`,
    ]);
    expect(await load('risk_assessments', file)).toMatchObject({ rowsRead: 4, inserted: 1, rejected: 3 });
    expect((await reportOf(file)).rows).toEqual([
      { row: '2', key: '', reason: 'row: not a JSON object' },
      { row: '3', key: `${c.customerNo}|2026-07-01T02:00:00.000Z`, reason: 'colour: not a column of risk_assessments' },
      {
        row: '4',
        key: `${c.customerNo}|2026-08-01T10:00:00.000Z`,
        reason: 'valid_until: must not be before the day of assessed_at',
      },
    ]);
  });

  it('leaves nothing written, and no report, when the load fails before its commit (the connection dropped)', async () => {
    const [c] = await loadedCustomers(1);
    const file = await csvFile(
      Array.from({ length: 500 }, (_, k) => ({
        account_no: `${c.accountNo}${String(k).padStart(3, '0')}`,
        customer_no: c.customerNo,
        product_code: c.productCode,
        balance: '10.00',
        opened_on: '2025-01-01',
        status: 'ACTIVE',
      })),
    );
    const applicationName = 'c360-bulk-load-dropped';
    const ds = createDataSource(app.databaseUrl, { poolSize: 1, applicationName });
    await ds.initialize();
    try {
      const dropConnection = () =>
        withAdmin((admin) =>
          admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [
            applicationName,
          ]),
        ).then(() => undefined);
      let written = 0;
      await expect(
        loadFile(
          { ds, embedded: false },
          {
            kind: 'holdings',
            file,
            beforeCommit: async (em) => {
              [{ written }] = await em.query(`SELECT count(*)::int AS written FROM holding WHERE customer_id = $1`, [
                c.id,
              ]);
              await dropConnection();
            },
          },
        ),
      ).rejects.toThrow();
      // The upsert had written every row in the transaction when the connection went.
      expect(written).toBe(500);
    } finally {
      await ds.destroy().catch(() => undefined);
    }
    const [{ holdings }] = await app.ds.query(`SELECT count(*)::int AS holdings FROM holding WHERE customer_id = $1`, [
      c.id,
    ]);
    expect(holdings).toBe(0);
    expect(existsSync(`${file}.rejects.csv`)).toBe(false);
  });
});

describe('consequences', () => {
  it('queues the customers whose data changed for a segment refresh, and a reload queues no one', async () => {
    const [a, b, untouched] = await loadedCustomers(3);
    await app.ds.query(`DELETE FROM segment_refresh_request WHERE customer_id = ANY($1)`, [[a.id, b.id, untouched.id]]);
    const queued = async () =>
      (
        await app.ds.query(
          `SELECT customer_id FROM segment_refresh_request WHERE customer_id = ANY($1) ORDER BY customer_id`,
          [[a.id, b.id, untouched.id]],
        )
      ).map((r: { customer_id: string }) => r.customer_id);

    const holdings = await csvFile([
      {
        account_no: a.accountNo,
        customer_no: a.customerNo,
        product_code: a.productCode,
        balance: '5.00',
        opened_on: '2025-01-01',
        status: 'ACTIVE',
      },
    ]);
    const logins = await csvFile([
      {
        source_system: 'MOBILE',
        source_ref: `Q-${b.i}`,
        customer_no: b.customerNo,
        channel: 'MOBILE_APP',
        type: 'LOGIN',
        occurred_at: '2026-11-26T08:00:00Z',
      },
    ]);
    await load('holdings', holdings);
    await load('interactions', logins);
    expect(await queued()).toEqual([a.id, b.id].sort());

    await app.ds.query(`DELETE FROM segment_refresh_request WHERE customer_id = ANY($1)`, [[a.id, b.id]]);
    await load('holdings', holdings);
    await load('interactions', logins);
    expect(await queued()).toEqual([]);
  });

  it('moves enrolments on a loaded consent withdrawal as updateConsent does', async () => {
    const [onChannel, everywhere] = await loadedCustomers(2);
    const active = await make.campaign({
      status: CampaignStatus.ACTIVE,
      channels: [Channel.WECHAT, Channel.MOBILE_APP],
    });
    const other = await make.campaign({ status: CampaignStatus.APPROVED, channels: [Channel.MOBILE_APP] });
    const done = await make.campaign({ status: CampaignStatus.COMPLETED, channels: [Channel.WECHAT] });
    for (const c of [onChannel, everywhere]) {
      await make.enrollment(active.id, c.id, { channel: Channel.WECHAT, status: EnrollmentStatus.CONTACTED });
      await make.enrollment(other.id, c.id, { channel: Channel.MOBILE_APP });
      await make.enrollment(done.id, c.id, { channel: Channel.WECHAT });
    }
    const file = await csvFile([
      { customer_no: onChannel.customerNo, purpose: 'MARKETING', channel: 'WECHAT', granted: 'false' },
      { customer_no: everywhere.customerNo, purpose: 'PERSONALISED_MARKETING', channel: '', granted: 'false' },
      { customer_no: everywhere.customerNo, purpose: 'PARTNER_SHARING', channel: '', granted: 'false' },
    ]);
    expect(await load('consents', file)).toMatchObject({ inserted: 3, rejected: 0 });

    const statuses = async (customerId: string) =>
      Object.fromEntries(
        (
          await app.ds.query(`SELECT campaign_id, status FROM campaign_enrollment WHERE customer_id = $1`, [customerId])
        ).map((r: { campaign_id: string; status: string }) => [r.campaign_id, r.status]),
      );
    expect(await statuses(onChannel.id)).toEqual({
      [active.id]: 'OPTED_OUT',
      [other.id]: 'TARGETED',
      [done.id]: 'TARGETED',
    });
    expect(await statuses(everywhere.id)).toEqual({
      [active.id]: 'OPTED_OUT',
      [other.id]: 'OPTED_OUT',
      [done.id]: 'TARGETED',
    });
    const [{ withdrawn }] = await app.ds.query(
      `SELECT personalised_marketing_withdrawn AS withdrawn FROM customer WHERE id = $1`,
      [everywhere.id],
    );
    expect(withdrawn).toBe(true);
  });

  it('keeps a withdrawal recorded through the API over an older decision in a later file', async () => {
    const [c] = await loadedCustomers(1);
    const agent = await make.staff();
    const withdraw = await app.gql(
      `mutation ($c: ID!) { updateConsent(customerId: $c, purpose: PERSONALISED_MARKETING, granted: false) { granted } }`,
      { c: c.id },
      { as: { sub: agent.id, roles: [Role.CALL_CENTER_AGENT], branchId: agent.branchId } },
    );
    expect(withdraw.data.updateConsent).toEqual({ granted: false });
    // The CRM's extract was taken an hour before the customer withdrew, and is loaded after.
    const extractTakenAt = new Date(Date.now() - 3_600_000).toISOString();
    const file = await csvFile([
      { customer_no: c.customerNo, purpose: 'PERSONALISED_MARKETING', granted: 'true', updated_at: extractTakenAt },
    ]);

    expect(await load('consents', file)).toMatchObject({ updated: 0, rejected: 1 });
    expect((await reportOf(file)).rows).toEqual([
      {
        row: '1',
        key: `${c.customerNo}|PERSONALISED_MARKETING|`,
        reason: 'updated_at: older than the decision stored for this consent, which stands',
      },
    ]);
    const [consent] = await app.ds.query(
      `SELECT c.granted, u.personalised_marketing_withdrawn AS withdrawn
       FROM consent c JOIN customer u ON u.id = c.customer_id WHERE c.customer_id = $1`,
      [c.id],
    );
    expect(consent).toEqual({ granted: false, withdrawn: true });
  });
});

describe('applyRows (what the change feed calls)', () => {
  it('runs the same checks and upsert inside the caller’s transaction, batch after batch', async () => {
    const [c] = await loadedCustomers(1);
    const valid = (raw: Record<string, unknown>): ValidRow => {
      const result = validateRow('holdings', raw);
      if (!result.ok) throw new Error(result.reason);
      return result.row;
    };
    const row = (suffix: string, balance: string, customerNo = c.customerNo) =>
      valid({
        account_no: `${c.accountNo}${suffix}`,
        customer_no: customerNo,
        product_code: c.productCode,
        balance,
        opened_on: '2025-01-01',
        status: 'ACTIVE',
      });

    const [first, second] = await app.ds.transaction(async (em) => [
      await applyRows(em, 'holdings', [
        row('A', '1.00'),
        row('B', '2.00'),
        row('C', '3.00', 'LC_NOBODY'),
        row('A', '1.50'),
      ]),
      await applyRows(em, 'holdings', [row('A', '1.50'), row('B', '2.50')]),
    ]);
    expect(first).toEqual({
      inserted: 2,
      updated: 0,
      unchanged: 0,
      rejected: [
        {
          index: 0,
          key: `${c.accountNo}A`,
          reason: 'key: repeated later in this load; the last row is the one applied',
        },
        { index: 2, key: `${c.accountNo}C`, reason: 'customer_no: no customer has this number' },
      ],
    });
    expect(second).toEqual({ inserted: 0, updated: 1, unchanged: 1, rejected: [] });
    const stored: { account_no: string; balance: string }[] = await app.ds.query(
      `SELECT account_no, balance FROM holding WHERE customer_id = $1`,
      [c.id],
    );
    const balances = (await decrypted(app.ds, 'holding', stored, { account_no: 'account_no' })).sort((x, y) =>
      x.account_no < y.account_no ? -1 : 1,
    );
    expect(balances).toEqual([
      { account_no: `${c.accountNo}A`, balance: '1.50' },
      { account_no: `${c.accountNo}B`, balance: '2.50' },
    ]);
    const [{ queued }] = await app.ds.query(
      `SELECT count(*)::int AS queued FROM segment_refresh_request WHERE customer_id = $1`,
      [c.id],
    );
    expect(queued).toBe(1);
  });

  it('refuses to run outside a transaction, where its staging table would vanish', async () => {
    await expect(applyRows(app.ds.manager, 'holdings', [])).rejects.toThrow(/inside a transaction/);
  });
});

describe('npm run load', () => {
  const run = promisify(execFile);
  const cli = (args: string[], env: Record<string, string>) =>
    run(process.execPath, ['-r', '@swc-node/register', join(__dirname, '../../scripts/load.ts'), ...args], {
      env: { ...process.env, NODE_ENV: 'development', ...env },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  it('loads a file, prints one summary line, exits 0 with rejects, and prints no personal data', async () => {
    const [c] = await loadedCustomers(1);
    const bad = unique();
    const file = await csvFile([
      customerRow(unique(), { branch_code: c.branchCode, name: '杨过' }),
      customerRow(bad, { branch_code: c.branchCode, name: '小龙女', phone: '12345' }),
    ]);
    const { code, stdout, stderr } = await cli(['--kind', 'customers', '--file', file], {
      DATABASE_URL: app.databaseUrl,
    });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(
      new RegExp(
        `^customers ${file}: read 2, inserted 1, updated 0, unchanged 0, rejected 1 in [\\d.]+ s \\(\\d+ rows/s\\); report ${file}\\.rejects\\.csv\\n$`,
      ),
    );
    for (const personal of ['杨过', '小龙女', '12345', bad.idNumber]) expect(stdout + stderr).not.toContain(personal);
  });

  it('refuses an unknown kind, a missing file and a bad header in one line, before opening the database', async () => {
    // Nothing listens here: a loader that opened the database first would fail on the connection instead.
    const env = { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing' };
    const extra = await csvFile([{ code: 'P', name: 'x', type: 'FUND', risk_level: 'R1', colour: 'red' }]);
    const missing = await csvFile([{ code: 'P', name: 'x' }]);
    const cases: [string[], string][] = [
      [
        ['--kind', 'accounts', '--file', extra],
        'load: unknown kind "accounts" (kinds: branches, staff, products, exchange_rates, customers, consents, holdings, daily_balances, risk_assessments, tags, interactions)\n',
      ],
      [
        ['--kind', 'products', '--file', join(dir, 'nope.csv')],
        `load: ${join(dir, 'nope.csv')}: no such file or not readable\n`,
      ],
      [
        ['--kind', 'products', '--file', extra],
        `load: ${extra}: unknown column "colour" for products (columns: code, name, type, risk_level)\n`,
      ],
      [['--kind', 'products', '--file', missing], `load: ${missing}: missing required columns type, risk_level\n`],
    ];
    for (const [args, message] of cases) {
      expect(await cli(args, env)).toMatchObject({ code: 2, stdout: '', stderr: message });
    }
  });
});

describe('the README', () => {
  const readme = () => readFile(join(__dirname, '../../README.md'), 'utf8');

  it('lists every kind with its columns (optional ones marked ?) and natural key, as the code has them', async () => {
    const rows = [...(await readme()).matchAll(/^\| `(\w+)` \| ([^|]+) \| ([^|]+) \|[^|]*\|$/gm)];
    const names = (cell: string) => [...cell.matchAll(/`([\w?]+)`/g)].map((m) => m[1]);
    const documented = Object.fromEntries(
      rows.map(([, kind, key, columns]) => [kind, { key: names(key), columns: names(columns) }]),
    );
    const actual = Object.fromEntries(
      Object.entries(KINDS).map(([kind, spec]) => [
        kind,
        { key: [...spec.naturalKey], columns: spec.columns.map((c) => (c.required ? c.name : `${c.name}?`)) },
      ]),
    );
    expect(documented).toEqual(actual);
  });

  it('shows a CSV and an NDJSON example that load', async () => {
    const text = await readme();
    const block = (info: string) => new RegExp('```' + info + '\\n([\\s\\S]*?)```').exec(text)![1];
    const customer = await make.customer({ customerNo: 'C0000000001' });
    await make.product({ code: 'FD_BALANCED' });
    await make.product({ code: 'TD_CNY_1Y' });
    const csv = join(dir, 'readme.csv');
    const ndjson = join(dir, 'readme.ndjson');
    await writeFile(csv, block('csv'));
    await writeFile(ndjson, block('ndjson'));
    expect(await load('holdings', csv)).toMatchObject({ inserted: 2, rejected: 0 });
    expect(await load('consents', ndjson)).toMatchObject({ inserted: 2, rejected: 0 });
    const [{ holdings }] = await app.ds.query(`SELECT count(*)::int AS holdings FROM holding WHERE customer_id = $1`, [
      customer.id,
    ]);
    expect(holdings).toBe(2);
  });
});
