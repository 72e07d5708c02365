import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Role } from '../../src/auth/roles';
import type { TokenClaims } from '../../src/auth/token-issuer';
import { loadConfig } from '../../src/config';
import { LIVE_POLICY_DATA } from '../../src/privacy/policy';
import { policyToFile } from '../../src/privacy/policy-file';
import { startApp } from '../../src/server/app';
import type { Factory } from '../support/factories';
import { countStatements } from '../support/sql-counter';
import { staffId } from '../support/staff-ids';
import { TestApp, useTestApp } from '../support/test-app';
import { dropRevealOffMask } from '../support/policy-edit';

/**
 * Shadow mode through HTTP: a candidate policy, written here as an edited
 * export of the live one, that would deny Customer.phone to the call centre,
 * refuse churnReport to risk officers, and show marketing no customers.
 */
const dir = mkdtempSync(join(tmpdir(), 'policy-shadow-'));
const candidateFile = join(dir, 'candidate.json');
const candidate = policyToFile(LIVE_POLICY_DATA);
candidate.fields.Customer.phone.access.CALL_CENTER = 'D';
dropRevealOffMask(candidate.fields.Customer.phone, 'CALL_CENTER');
candidate.operations.Query.churnReport = [Role.MARKETING_ANALYST, Role.MARKETING_MANAGER, Role.COMPLIANCE_AUDITOR];
candidate.rowScope.MKT = 'NONE';
writeFileSync(candidateFile, JSON.stringify(candidate, null, 2));

const shadowOn = useTestApp({ PRIVACY_SHADOW_POLICY: candidateFile });
// Shadow mode reads through the executor (direct reads leave it there: it counts per field as they resolve),
// so the server it is compared with does too.
const shadowOff = useTestApp({ DIRECT_READS: 'false' });

const CALL_CENTRE: TokenClaims = { sub: staffId('shadow-call-centre'), roles: [Role.CALL_CENTER_AGENT] };
const RISK: TokenClaims = { sub: staffId('shadow-risk'), roles: [Role.RISK_OFFICER] };
const MARKETING: TokenClaims = { sub: staffId('shadow-marketing'), roles: [Role.MARKETING_ANALYST] };

const REPORT = `{ policyShadowReport { enabled candidateFile candidateSha256 since
  rows { type field role liveAccess candidateAccess count } } }`;

type Row = { type: string; field: string; role: string; liveAccess: string; candidateAccess: string; count: number };

async function report(app: TestApp) {
  const res = await app.gql(REPORT);
  expect(res.errors).toBeUndefined();
  return res.data.policyShadowReport as {
    enabled: boolean;
    candidateFile: string | null;
    candidateSha256: string | null;
    since: string | null;
    rows: Row[];
  };
}

/** The counts a request added, per row (rows that did not move are left out). */
async function countedBy(request: () => Promise<unknown>): Promise<Record<string, number>> {
  const key = (r: Row) => `${r.type}.${r.field} ${r.role} ${r.liveAccess}->${r.candidateAccess}`;
  const before = new Map((await report(shadowOn.app)).rows.map((r) => [key(r), r.count]));
  await request();
  const added: Record<string, number> = {};
  for (const row of (await report(shadowOn.app)).rows) {
    const delta = row.count - (before.get(key(row)) ?? 0);
    if (delta) added[key(row)] = delta;
  }
  return added;
}

/** Per server's factory, how many branches branchOf has made: it numbers their accounts. */
const branchesMade = new Map<Factory, number>();

/**
 * Customers of a branch of their own, with contact data and account numbers
 * that depend only on how many branches this server has had, so that two
 * servers' answers can be compared.
 */
async function branchOf(make: Factory, customers: number) {
  const nth = (branchesMade.get(make) ?? 0) + 1;
  branchesMade.set(make, nth);
  const branch = await make.branch();
  const ids: string[] = [];
  for (let i = 0; i < customers; i++) {
    const customer = await make.customer({
      branchId: branch.id,
      customerNo: `SHADOW-${branch.code}-${i}`,
      phone: `1390000000${i}`,
      email: `shadow${i}@example.com`,
    });
    for (const j of [1, 2])
      await make.holding(customer.id, { accountNo: `6222${String(nth).padStart(10, '0')}${i}${j}` });
    ids.push(customer.id);
  }
  return { branchId: branch.id, ids };
}

const PAGE = `query ($b: [ID!]) { customers(first: 10, filter: { branchIds: $b }) { edges { node {
  name phone email address holdings(first: 5) { edges { node { accountNo } } } } } } }`;

describe('policy shadow mode', () => {
  it('answers under the live policy: the call centre still reads phones masked', async () => {
    const on = await branchOf(shadowOn.make, 2);
    const off = await branchOf(shadowOff.make, 2);
    const [withShadow, without] = await Promise.all([
      shadowOn.app.gql(PAGE, { b: [on.branchId] }, { as: CALL_CENTRE }),
      shadowOff.app.gql(PAGE, { b: [off.branchId] }, { as: CALL_CENTRE }),
    ]);
    expect(withShadow.errors).toBeUndefined();
    expect(withShadow.data.customers.edges[0].node.phone).toBe('139****0000');
    // Two databases: the same customers, in whatever order their ids put them.
    const nodes = (res: any) =>
      res.data.customers.edges
        .map(({ node }: any) => {
          const accounts = node.holdings.edges.map((e: any) => e.node.accountNo).sort();
          return JSON.stringify({ ...node, holdings: accounts });
        })
        .sort();
    expect(nodes(withShadow)).toEqual(nodes(without));
  });

  it('counts each object returned with a field the candidate would answer otherwise, and nothing else', async () => {
    const { branchId, ids } = await branchOf(shadowOn.make, 3);
    const page = (selection: string) =>
      shadowOn.app.gql(
        `query ($b: [ID!]) { customers(first: 10, filter: { branchIds: $b }) { edges { node { ${selection} } } } }`,
        { b: [branchId] },
        { as: CALL_CENTRE },
      );
    expect(await countedBy(() => page('customerNo phone'))).toEqual({
      'Customer.phone CALL_CENTER MASKED->DENIED': 3,
    });
    expect(await countedBy(() => page('customerNo email address holdings(first: 5) { totalCount }'))).toEqual({});

    const one = (query: string, variables: Record<string, unknown> = {}) =>
      shadowOn.app.gql(query, { id: ids[0], ...variables }, { as: CALL_CENTRE });
    expect(
      await countedBy(() =>
        one(`query ($id: ID!) { customer(id: $id) { ...contact } } fragment contact on Customer { phone }`),
      ),
    ).toEqual({ 'Customer.phone CALL_CENTER MASKED->DENIED': 1 });
    const conditional = `query ($id: ID!, $p: Boolean!) { customer(id: $id) { customerNo phone @include(if: $p) } }`;
    expect(await countedBy(() => one(conditional, { p: false }))).toEqual({});
    expect(await countedBy(() => one(conditional, { p: true }))).toEqual({
      'Customer.phone CALL_CENTER MASKED->DENIED': 1,
    });
  });

  it('counts nothing for a role whose cells the candidate leaves as they are', async () => {
    const { branchId } = await branchOf(shadowOn.make, 2);
    const teller = { sub: staffId('shadow-teller'), roles: [Role.BRANCH_STAFF], branchId };
    expect(await countedBy(() => shadowOn.app.gql(PAGE, { b: [branchId] }, { as: teller }))).toEqual({});
  });

  it('counts a root field the candidate would refuse, while the live policy answers it', async () => {
    let res: any;
    const added = await countedBy(async () => {
      res = await shadowOn.app.gql(`{ churnReport(from: "2026-01-01", to: "2026-01-31") { episodes } }`, undefined, {
        as: RISK,
      });
    });
    expect(res.errors).toBeUndefined();
    expect(added).toEqual({ 'Query.churnReport RISK_OFFICER FULL->DENIED': 1 });
  });

  it("counts a customer the candidate's row scope would not return, from the columns already loaded", async () => {
    const { ids } = await branchOf(shadowOn.make, 1);
    let res: any;
    const added = await countedBy(async () => {
      res = await shadowOn.app.gql(
        `query ($id: ID!) { customer(id: $id) { customerNo } }`,
        { id: ids[0] },
        {
          as: MARKETING,
        },
      );
    });
    expect(res.data.customer.customerNo).toMatch(/^SHADOW-/);
    // Under the candidate no column covers the customer, so every field would be denied too.
    expect(added).toEqual({ 'Customer.(row) MKT FULL->DENIED': 1, 'Customer.customerNo MKT FULL->DENIED': 1 });
  });

  it('counts the customers of a page that selects nothing but __typename (no direct read in shadow mode)', async () => {
    // Ten customers: fewer would be a withheld cohort for marketing, with no customer to count.
    const { branchId } = await branchOf(shadowOn.make, 10);
    const added = await countedBy(() =>
      shadowOn.app.gql(
        `query ($b: [ID!]) { customers(first: 5, filter: { branchIds: $b }) { edges { node { __typename } } } }`,
        { b: [branchId] },
        { as: MARKETING },
      ),
    );
    expect(added).toEqual({ 'Customer.(row) MKT FULL->DENIED': 5 });
  });

  it('sends the same statements with shadow mode on as the executor does with it off', async () => {
    const on = await branchOf(shadowOn.make, 3);
    const off = await branchOf(shadowOff.make, 3);
    const statementsOf = async (app: TestApp, branchId: string) => {
      await app.gql(PAGE, { b: [branchId] }, { as: CALL_CENTRE });
      const counter = countStatements();
      try {
        const res = await app.gql(PAGE, { b: [branchId] }, { as: CALL_CENTRE });
        expect(res.errors).toBeUndefined();
        expect(res.data.customers.edges).toHaveLength(3);
      } finally {
        counter.restore();
      }
      return counter.statements;
    };
    const withShadow = await statementsOf(shadowOn.app, on.branchId);
    expect(withShadow.length).toBeGreaterThan(0);
    expect(withShadow).toEqual(await statementsOf(shadowOff.app, off.branchId));
  });

  it('reports the candidate file, and exports the counts on /metrics', async () => {
    const { branchId } = await branchOf(shadowOn.make, 1);
    await shadowOn.app.gql(PAGE, { b: [branchId] }, { as: CALL_CENTRE });
    const now = await report(shadowOn.app);
    expect(now).toMatchObject({ enabled: true, candidateFile: 'candidate.json' });
    expect(now.candidateSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(now.since!)).not.toBeNaN();
    const phone = now.rows.find((r) => r.field === 'phone' && r.role === 'CALL_CENTER')!;
    const metrics = await (await fetch(shadowOn.app.url.replace('/graphql', '/metrics'))).text();
    expect(metrics).toContain(
      'privacy_shadow_differences_total{type="Customer",field="phone",role="CALL_CENTER",' +
        `live_access="M",candidate_access="D"} ${phone.count}`,
    );
  });

  it('is for compliance auditors only', async () => {
    const res = await shadowOn.app.gql(REPORT, undefined, { as: RISK });
    expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
  });

  it('answers an empty report saying so when shadow mode is off', async () => {
    expect(await report(shadowOff.app)).toEqual({
      enabled: false,
      candidateFile: null,
      candidateSha256: null,
      since: null,
      rows: [],
    });
  });

  it('refuses to start with a candidate file that does not load, naming where in the file', async () => {
    const bad = join(dir, 'bad.json');
    const edited = policyToFile(LIVE_POLICY_DATA);
    (edited.fields.Customer.phone.access as Record<string, string>).CALL_CENTER = 'N';
    writeFileSync(bad, JSON.stringify(edited));
    const config = loadConfig({ NODE_ENV: 'test', PORT: '0', PRIVACY_SHADOW_POLICY: bad });
    await expect(startApp(config, shadowOn.app.ds)).rejects.toMatchObject({
      code: 'POLICY_FILE_INVALID',
      path: 'fields.Customer.phone.access.CALL_CENTER',
    });
  });
});
