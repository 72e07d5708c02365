import { createHmac } from 'node:crypto';
import { Role } from '../../src/auth/roles';
import { Tier } from '../../src/modules/customer/customer.enums';
import { countStatements } from '../support/sql-counter';
import { staffId } from '../support/staff-ids';
import { useTestApp } from '../support/test-app';

const HASH_KEY = 'filter-audit-test-key-'.padEnd(48, 'k');
// K = 1: marketing's search here matches one customer (small-cohort suppression: cohort-suppression.test.ts).
const { app, make } = useTestApp({ AUDIT_HASH_KEY: HASH_KEY, K_ANONYMITY_MIN: '1' });

const RISK = { sub: staffId('filter-risk'), roles: [Role.RISK_OFFICER] };
const AGENT = { sub: staffId('filter-agent'), roles: [Role.CALL_CENTER_AGENT] };

const keyedHash = (text: string) => `hmac-sha256:${createHmac('sha256', HASH_KEY).update(text, 'utf8').digest('hex')}`;

const auditRows = (requestId: string) =>
  app.ds.query(`SELECT customer_id, fields, operation, detail FROM audit_record WHERE request_id = $1 ORDER BY id`, [
    requestId,
  ]);

const requestIdOf = (res: { headers: Headers }) => res.headers.get('x-request-id')!;

describe('a filter on a sensitive field is a read of it', () => {
  it('leaves one record per request of a binary search for a customer’s AUM: field, bound and matched count', async () => {
    const target = await make.customer({ aum: '1234567.89' });
    const probe = async (cents: number) => {
      const bound = (cents / 100).toFixed(2);
      const res = await app.gql(
        `query Probe($no: String!, $min: Decimal!) { customers(filter: { search: $no, aumMin: $min }) { totalCount } }`,
        { no: target.customerNo, min: bound },
        { as: RISK },
      );
      expect(res.errors).toBeUndefined();
      return { bound, matched: res.data.customers.totalCount as number, requestId: requestIdOf(res) };
    };

    // The attack of issue 15: the largest bound that still matches is the AUM, to the cent.
    const probes: Awaited<ReturnType<typeof probe>>[] = [];
    let [lo, hi] = [0, 100_000_000_00];
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      const p = await probe(mid);
      probes.push(p);
      if (p.matched === 1) lo = mid;
      else hi = mid;
    }
    expect((lo / 100).toFixed(2)).toBe('1234567.89');
    expect(probes.length).toBeGreaterThan(30);

    for (const p of probes) {
      // search matches names as well as customer numbers for a risk officer, so it reads `name` too.
      expect(await auditRows(p.requestId)).toEqual([
        {
          customer_id: null,
          fields: ['aum', 'name'],
          operation: 'customers.filter',
          detail: {
            filter: {
              arguments: [
                { name: 'aumMin', values: [p.bound] },
                { name: 'search', values: [keyedHash(target.customerNo)] },
              ],
              matched: p.matched,
            },
          },
        },
      ]);
    }
  });

  it('records a name search by a role that reads names in full as a keyed hash, never the text', async () => {
    const branch = await make.branch();
    await make.customer({ branchId: branch.id, name: '欧阳明' });
    await make.customer({ branchId: branch.id, name: '欧阳锋' });
    await make.customer({ branchId: branch.id, name: '司马光' });
    const res = await app.gql(
      `query ($b: [ID!]) { customers(filter: { branchIds: $b, search: "欧阳" }) { edges { node { name } } } }`,
      { b: [branch.id] },
      { as: AGENT },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.customers.edges.map((e: any) => e.node.name).sort()).toEqual(['欧阳明', '欧阳锋'].sort());

    expect(await auditRows(requestIdOf(res))).toEqual([
      {
        customer_id: null,
        fields: ['name'],
        operation: 'customers.filter',
        detail: {
          filter: {
            arguments: [
              { name: 'branchIds', values: [branch.id] },
              { name: 'search', values: [keyedHash('欧阳')] },
            ],
            matched: 2,
          },
        },
      },
    ]);
    const [{ clear }] = await app.ds.query(
      `SELECT count(*)::int AS clear FROM audit_record a WHERE strpos(a::text, $1) > 0`,
      ['欧阳'],
    );
    expect(clear).toBe(0);
  });

  it('leaves no record for filters that read no sensitive field in full', async () => {
    const branch = await make.branch();
    const tag = await make.tag();
    const customer = await make.customer({ branchId: branch.id, aum: '800000.00', tier: Tier.WEALTH });
    await make.customerTag(customer.id, tag.id);
    await make.riskAssessment(customer.id);
    const cases = [
      // Tiers, branches, tags and risk tolerance are read in full by every role.
      {
        as: RISK,
        filter: { tiers: [Tier.WEALTH], branchIds: [branch.id], tagCodes: [tag.code], minRiskTolerance: 'C1' },
      },
      // A band is what every role reads (aumBand), not the exact value.
      { as: RISK, filter: { branchIds: [branch.id], aumBands: ['FROM_500K_TO_6M'] } },
      {
        as: { sub: staffId('filter-branch'), roles: [Role.BRANCH_STAFF], branchId: branch.id },
        filter: { aumBands: ['FROM_500K_TO_6M'] },
      },
      // Marketing sees names masked, so its search matches customer numbers only.
      { as: { sub: staffId('filter-mkt'), roles: [Role.MARKETING_ANALYST] }, filter: { search: customer.customerNo } },
    ];
    for (const { as, filter } of cases) {
      const res = await app.gql(
        `query ($f: CustomerFilter) { customers(filter: $f) { totalCount edges { node { customerNo } } } }`,
        { f: filter },
        { as },
      );
      expect(res.errors).toBeUndefined();
      expect(res.data.customers.edges.map((e: any) => e.node.customerNo)).toContain(customer.customerNo);
      expect(await auditRows(requestIdOf(res))).toEqual([]);
    }
  });

  it('counts every customer the filter matched, not only the page returned', async () => {
    const branch = await make.branch();
    for (const aum of ['100.00', '200.00', '300.00', '400.00']) await make.customer({ branchId: branch.id, aum });
    const page = (after?: string) =>
      app.gql(
        `query ($b: [ID!], $after: String) {
          customers(first: 1, after: $after, filter: { branchIds: $b, aumMin: "150.00" }) {
            edges { node { customerNo } } pageInfo { endCursor }
          }
        }`,
        { b: [branch.id], after },
        { as: RISK },
      );
    const first = await page();
    const second = await page(first.data.customers.pageInfo.endCursor);
    for (const res of [first, second]) {
      expect(res.errors).toBeUndefined();
      const [record] = await auditRows(requestIdOf(res));
      expect(record.detail.filter.matched).toBe(3);
    }
  });
});

describe('what a filter record costs', () => {
  it('goes in the same INSERT as the page’s read records, and adds no statement when totalCount is selected', async () => {
    const branch = await make.branch();
    await make.customer({ branchId: branch.id, aum: '900.00' });
    await make.customer({ branchId: branch.id, aum: '100.00' });
    const run = async (filter: Record<string, unknown>) => {
      const counter = countStatements();
      try {
        const res = await app.gql(
          `query ($f: CustomerFilter) { customers(filter: $f) { totalCount edges { node { aum } } } }`,
          { f: filter },
          { as: RISK },
        );
        expect(res.errors).toBeUndefined();
        return { res, statements: counter.statements };
      } finally {
        counter.restore();
      }
    };
    const plain = await run({ branchIds: [branch.id] });
    const sensitive = await run({ branchIds: [branch.id], aumMin: '500.00' });

    expect(sensitive.statements).toHaveLength(plain.statements.length);
    expect(sensitive.statements.filter((sql) => sql.includes('INSERT INTO audit_record'))).toHaveLength(1);
    const rows = await auditRows(requestIdOf(sensitive.res));
    expect(rows.map((r: any) => [r.operation, r.fields])).toEqual(
      expect.arrayContaining([
        ['READ', ['aum']],
        ['customers.filter', ['aum']],
      ]),
    );
    expect(rows).toHaveLength(2);
  });

  it('needs no count statement when the first page holds every match and totalCount is not selected', async () => {
    const branch = await make.branch();
    await make.customer({ branchId: branch.id, aum: '900.00' });
    await make.customer({ branchId: branch.id, aum: '950.00' });
    const counter = countStatements();
    let res;
    try {
      res = await app.gql(
        `query ($b: [ID!]) { customers(filter: { branchIds: $b, aumMin: "500.00" }) { edges { node { customerNo } } } }`,
        { b: [branch.id] },
        { as: RISK },
      );
    } finally {
      counter.restore();
    }
    expect(res.errors).toBeUndefined();
    expect(counter.statements.filter((sql) => sql.includes('count(*)'))).toEqual([]);
    expect(counter.statements).toHaveLength(2); // the page and the audit insert
    const [record] = await auditRows(requestIdOf(res));
    expect(record.detail.filter.matched).toBe(2);
  });
});

describe('a filter record is never lost', () => {
  it('fails a request whose filter record cannot be written, though it returned no field', async () => {
    const customer = await make.customer({ aum: '4321.00' });
    await app.ds.query(`ALTER TABLE audit_record ADD CONSTRAINT audit_refuses_all CHECK (false) NOT VALID`);
    try {
      const res = await app.gql(
        `query ($no: String!) { customers(filter: { search: $no, aumMin: "4321.00" }) { totalCount } }`,
        { no: customer.customerNo },
        { as: RISK },
      );
      expect(res.status).toBe(503);
      expect(res.data).toBeUndefined();
      expect(res.errors?.map((e) => e.extensions.code)).toEqual(['SERVICE_UNAVAILABLE']);
    } finally {
      await app.ds.query(`ALTER TABLE audit_record DROP CONSTRAINT audit_refuses_all`);
    }
  });
});

describe('auditLog', () => {
  it('shows an auditor the filter records naming a field, with their arguments and matched count', async () => {
    const actor = staffId('filter-risk-for-auditor');
    const customer = await make.customer({ aum: '777.00' });
    const probe = await app.gql(
      `query ($no: String!) { customers(filter: { search: $no, aumMax: "800.00" }) { totalCount } }`,
      { no: customer.customerNo },
      { as: { sub: actor, roles: [Role.RISK_OFFICER] } },
    );
    expect(probe.data.customers.totalCount).toBe(1);

    const res = await app.gql(
      `query ($f: AuditLogFilter) {
        auditLog(filter: $f) { totalCount edges { node {
          customerId fields operation requestId filter { matched arguments { name values } }
        } } }
      }`,
      { f: { actorId: actor, field: 'aum' } },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.auditLog.totalCount).toBe(1);
    expect(res.data.auditLog.edges[0].node).toEqual({
      customerId: null,
      fields: ['aum', 'name'],
      operation: 'customers.filter',
      requestId: requestIdOf(probe),
      filter: {
        matched: 1,
        arguments: [
          { name: 'aumMax', values: ['800.00'] },
          { name: 'search', values: [keyedHash(customer.customerNo)] },
        ],
      },
    });
  });
});
