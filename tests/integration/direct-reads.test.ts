import { Role } from '../../src/auth/roles';
import { LifecycleStage, Tier } from '../../src/modules/customer/customer.enums';
import type { TokenClaims } from '../../src/auth/token-issuer';
import { Factory } from '../support/factories';
import { countStatements } from '../support/sql-counter';
import { staffId } from '../support/staff-ids';
import { AUDITOR, startTestApp, TestApp } from '../support/test-app';
import { W2_SEGMENT_PAGE } from '../../bench/workloads';
import { Access, LIVE_POLICY_DATA, RoleColumn } from '../../src/privacy/policy';
import { PrivacyPolicy } from '../../src/privacy/privacy-policy';

/**
 * Direct reads (server/direct-reads.ts): a query they cover is answered by
 * one statement in which PostgreSQL builds the JSON. Each query below goes to
 * two servers on the same data, one answering with direct reads and one with
 * the executor alone (DIRECT_READS=false): the answers, errors and audit
 * records must be the same, for every kind of caller. The direct path must
 * also really have been taken where the query is one it covers.
 */
let direct: TestApp;
let executorOnly: TestApp;
let make: Factory;
let branchId: string;
let rm: TokenClaims;

const ANALYST: TokenClaims = { sub: staffId('direct-analyst'), roles: [Role.MARKETING_ANALYST] };
const AGENT: TokenClaims = { sub: staffId('direct-agent'), roles: [Role.CALL_CENTER_AGENT] };
const RISK: TokenClaims = { sub: staffId('direct-risk'), roles: [Role.RISK_OFFICER] };
const PARTNER: TokenClaims = { sub: 'direct-partner', roles: [Role.PARTNER], scopes: ['interactions:write'] };
let branchStaff: TokenClaims;
let rmAndBranch: TokenClaims;

beforeAll(async () => {
  direct = await startTestApp();
  executorOnly = await startTestApp({ DIRECT_READS: 'false' }, { beside: direct });
  make = new Factory(direct.ds);
  const branch = await make.branch();
  branchId = branch.id;
  const manager = await make.staff({ branchId });
  rm = { sub: manager.id, roles: [Role.RELATIONSHIP_MANAGER] };
  branchStaff = { sub: staffId('direct-branch'), roles: [Role.BRANCH_STAFF], branchId };
  rmAndBranch = { sub: manager.id, roles: [Role.RELATIONSHIP_MANAGER, Role.BRANCH_STAFF], branchId };
  const [vip, other] = [await make.tag({ code: 'DIRECT_VIP' }), await make.tag({ code: 'DIRECT_OTHER' })];
  const product = await make.product();
  // 14 customers, so that pages of 5 have a next page; some in the manager's book, one who withdrew
  // personalised marketing, tags (one expired), and from 0 to 12 holdings each (a page of 10 has a next page).
  for (let i = 0; i < 14; i++) {
    const customer = await make.customer({
      branchId,
      relationshipManagerId: i % 2 === 0 ? manager.id : null,
      tier: i % 3 === 0 ? Tier.WEALTH : Tier.MASS,
      lifecycleStage: i % 4 === 0 ? LifecycleStage.ACTIVE : LifecycleStage.DORMANT,
      name: i === 3 ? '𠀀吉' : `客户${i}`,
      aum: `${1000 * i}.50`,
    });
    await make.customerTag(customer.id, vip.id, { confidence: i % 2 ? '0.750' : '1.000' });
    if (i % 3 === 1) await make.customerTag(customer.id, other.id, { expiresAt: new Date('2020-01-01T00:00:00Z') });
    if (i % 3 === 2) await make.customerTag(customer.id, other.id, { expiresAt: new Date('2099-06-01T08:30:00.123Z') });
    for (let h = 0; h < (i * 7) % 13; h++)
      await make.holding(customer.id, { productId: product.id, openedOn: `2024-0${1 + (h % 9)}-1${h % 10}` });
  }
  await direct.ds.query(
    `UPDATE customer SET personalised_marketing_withdrawn = true
     WHERE id = (SELECT id FROM customer WHERE branch_id = $1 ORDER BY customer_no OFFSET 5 LIMIT 1)`,
    [branchId],
  );
});
afterAll(async () => {
  await executorOnly?.close();
  await direct?.close();
});

/** A page of the branch, with relations. */
const SEGMENT = `query ($branchIds: [ID!], $first: Int, $after: String) {
  customers(first: $first, after: $after, filter: { branchIds: $branchIds }) {
    edges { node { id name tier tags { tag { code } confidence } holdings(first: 4) { edges { node { id status } } } } }
    pageInfo { hasNextPage }
  }
}`;

/** Queries direct reads cover: each must take the direct path (one statement) for a caller whose cells agree. */
const COVERED: [string, string, Record<string, unknown>][] = [
  // The benchmark's W2, by tier and tag (a cohort too small for marketing: withheld).
  ['the marketing segment page', W2_SEGMENT_PAGE, { tier: Tier.WEALTH, tag: 'DIRECT_VIP' }],
  ['a page of 5 with a next page', SEGMENT, { first: 5 }],
  [
    'aliases, fragments, @skip/@include, __typename and every covered field',
    `query ($branchIds: [ID!], $skip: Boolean!) {
      __typename
      list: customers(first: 8, filter: { branchIds: $branchIds, lifecycleStages: [DORMANT] }) {
        __typename
        more: pageInfo { __typename hasNextPage again: hasNextPage }
        edges { __typename customer: node { ...Who ...on Customer { gender } kycStatus churnSignals
          skipped: city @skip(if: $skip) shown: city @include(if: $skip)
          tags { __typename tag { __typename id code } at: assignedAt expiresAt confidence }
          h: holdings(first: 2) { __typename edges { __typename node { __typename id maturityDate openedAt
            product { __typename id } } } pageInfo { hasNextPage } totalCount } } }
      }
    }
    fragment Who on Customer { id customerNo name }`,
    { skip: true },
  ],
  ['a page after a cursor', SEGMENT, { first: 3, after: 'CURSOR' }],
  [
    'two roots at once',
    `query ($branchIds: [ID!]) { a: customers(first: 2, filter: { branchIds: $branchIds }) { edges { node { id name } } }
    b: customers(first: 1) { pageInfo { hasNextPage } } }`,
    {},
  ],
];

/** An alias named like an object's prototype must stay a key of the answer, as in graphql-js's results. */
COVERED.push([
  'an alias named __proto__',
  `query { __proto__: customers(first: 2) { __proto__: edges { node { __proto__: id } } } }`,
  {},
]);

/** Queries the executor answers alone: the answers must still agree. */
const LEFT_TO_THE_EXECUTOR: [string, string, Record<string, unknown>][] = [
  [
    'a page with its count',
    `query ($branchIds: [ID!]) { customers(first: 3, filter: { branchIds: $branchIds }) { totalCount edges { node { id } } } }`,
    {},
  ],
  [
    'cursors',
    `query ($branchIds: [ID!]) { customers(first: 3, filter: { branchIds: $branchIds }) { edges { cursor node { id } } } }`,
    {},
  ],
  [
    'encrypted fields',
    `query ($branchIds: [ID!]) { customers(first: 3, filter: { branchIds: $branchIds }) { edges { node { id phone holdings { edges { node { accountNo } } } } } } }`,
    {},
  ],
  [
    'another root field beside',
    `query ($branchIds: [ID!]) { me { id } customers(first: 2, filter: { branchIds: $branchIds }) { edges { node { id } } } }`,
    {},
  ],
  ['bad page arguments', `query { customers(first: -1) { edges { node { id } } } }`, {}],
  // A covered root first, then one that is not: nothing may be left running (or rejected unhandled).
  [
    'a covered root with bad arguments before another root',
    `query { customers(first: 101) { edges { node { id } } } me { id } }`,
    {},
  ],
  [
    'a covered root selecting an encrypted field before another root',
    `query { customers(first: 2) { edges { node { phone } } } me { id } }`,
    {},
  ],
  // A read of names for a caller who reads them in full (its audit record is the executor's).
  ['a search', `query { customers(first: 3, filter: { search: "C" }) { edges { node { id } } } }`, {}],
  [
    'a sensitive filter',
    `query ($branchIds: [ID!]) { customers(first: 3, filter: { branchIds: $branchIds, aumMin: "100.00" }) { edges { node { id } } } }`,
    {},
  ],
];

const CALLERS: [string, TokenClaims][] = [
  ['auditor', AUDITOR],
  ['marketing analyst', ANALYST],
  ['call-centre agent', AGENT],
  ['risk officer', RISK],
  ['partner', PARTNER],
];

async function answerOf(app: TestApp, query: string, variables: Record<string, unknown>, as: TokenClaims) {
  const res = await app.gql(query, variables, { as });
  const audit = await app.ds.query(
    `SELECT customer_id, fields, operation FROM audit_record WHERE request_id = $1 ORDER BY customer_id, operation`,
    [res.headers.get('x-request-id')],
  );
  const errors = res.errors?.map((e: any) => ({ message: e.message, path: e.path, code: e.extensions?.code }));
  return { status: res.status, data: res.data, errors, audit };
}

/** The cursor of the third customer of the branch's first page, as the executor gives it. */
async function cursorAfterThree(as: TokenClaims): Promise<string | undefined> {
  const res = await executorOnly.gql(
    `query ($branchIds: [ID!]) { customers(first: 3, filter: { branchIds: $branchIds }) { pageInfo { endCursor } } }`,
    { branchIds: [branchId] },
    { as },
  );
  return res.data?.customers.pageInfo.endCursor ?? undefined;
}

async function compare(query: string, given: Record<string, unknown>, as: TokenClaims) {
  const variables: Record<string, unknown> = { branchIds: [branchId], ...given };
  if (variables.after === 'CURSOR') variables.after = await cursorAfterThree(as);
  const counter = countStatements();
  let answered;
  try {
    answered = await answerOf(direct, query, variables, as);
  } finally {
    counter.restore();
  }
  const expected = await answerOf(executorOnly, query, variables, as);
  expect(answered).toEqual(expected);
  // The reads of the request, without the audit insert and the audit query above.
  return counter.statements.filter((sql) => !/audit_record/.test(sql));
}

describe('direct reads answer as the executor does', () => {
  for (const [callerName, caller] of CALLERS) {
    for (const [name, query, variables] of COVERED) {
      it(`${name}, as ${callerName}`, async () => {
        const reads = await compare(query, variables, caller);
        // Partners may not call customers: shield refuses them before anything is read.
        if (caller === PARTNER) expect(reads).toEqual([]);
        else {
          // One statement per root field: the page with every customer's selection built beside it.
          expect(reads).toHaveLength(query.includes('b: customers') ? 2 : 1);
          expect(reads.every((sql) => sql.includes(' AS node'))).toBe(true);
        }
      });
    }
    for (const [name, query, variables] of LEFT_TO_THE_EXECUTOR) {
      it(`${name}, as ${callerName} (the executor's)`, async () => {
        await compare(query, variables, caller);
      });
    }
  }

  it("reads the sensitive fields of a relationship manager's own book in full and audits them", async () => {
    const query = `query ($branchIds: [ID!]) { customers(first: 20, filter: { branchIds: $branchIds }) {
      edges { node { id birthDate aum holdings(first: 3) { edges { node { balance } } } } } } }`;
    const reads = await compare(query, {}, rm);
    expect(reads).toHaveLength(1);
    expect(reads[0]).toContain(' AS node');
    const { audit } = await answerOf(direct, query, { branchIds: [branchId] }, rm);
    expect(audit.length).toBeGreaterThan(0);
  });

  it('leaves a token whose roles read a field differently from one customer to the next to the executor', async () => {
    const query = `query ($branchIds: [ID!]) { customers(first: 20, filter: { branchIds: $branchIds }) {
      edges { node { id name birthDate aum } } } }`;
    const reads = await compare(query, {}, rmAndBranch);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.some((sql) => sql.includes(' AS node'))).toBe(false);
    // Fields both roles read alike on every customer: direct.
    const alike = `query ($branchIds: [ID!]) { customers(first: 20, filter: { branchIds: $branchIds }) {
      edges { node { id customerNo tier } } } }`;
    expect((await compare(alike, {}, rmAndBranch)).every((sql) => sql.includes(' AS node'))).toBe(true);
    expect((await compare(alike, {}, branchStaff)).every((sql) => sql.includes(' AS node'))).toBe(true);
  });
});

/** The live policy with some cells changed. */
function policyWith(cells: [type: string, field: string, column: RoleColumn, access: Access][]): PrivacyPolicy {
  const fields = structuredClone(LIVE_POLICY_DATA.fields);
  for (const [type, field, column, access] of cells)
    fields[type][field] = { ...fields[type][field], access: { ...fields[type][field].access, [column]: access } };
  return new PrivacyPolicy({ ...LIVE_POLICY_DATA, fields });
}

describe('direct reads follow a changed policy', () => {
  const servers: TestApp[] = [];
  afterAll(() => Promise.all(servers.map((server) => server.close())));

  /** The two servers (direct reads on and off) on this file's data, both under `policy`. */
  async function pairUnder(policy: PrivacyPolicy): Promise<[TestApp, TestApp]> {
    const pair: [TestApp, TestApp] = [
      await startTestApp({}, { privacyPolicy: () => policy, beside: direct }),
      await startTestApp({ DIRECT_READS: 'false' }, { privacyPolicy: () => policy, beside: direct }),
    ];
    servers.push(...pair);
    return pair;
  }

  const PAGE = `query ($branchIds: [ID!]) { customers(first: 12, filter: { branchIds: $branchIds }) {
    edges { node { id name tier tags { tag { code } source } holdings(first: 3) { edges { node { currency } } } } } } }`;

  async function read(app: TestApp) {
    const counter = countStatements();
    try {
      const answer = await answerOf(app, PAGE, { branchIds: [branchId] }, ANALYST);
      return { answer, direct: counter.statements.some((sql) => sql.includes(' AS node')) };
    } finally {
      counter.restore();
    }
  }

  it('reads in full, directly, a field the policy now gives the column in full', async () => {
    const [withDirect, without] = await pairUnder(policyWith([['Customer', 'name', 'MKT', 'F']]));
    const [answered, expected] = [await read(withDirect), await read(without)];
    expect(answered.direct).toBe(true);
    expect(answered.answer).toEqual(expected.answer);
    expect(answered.answer.data.customers.edges.map((e: any) => e.node.name)).toContain('客户0');
  });

  it('leaves to the executor a field the policy now denies or masks without a mask, and answers alike', async () => {
    for (const cell of [
      ['Holding', 'currency', 'MKT', 'D'],
      ['CustomerTag', 'source', 'MKT', 'M'],
      ['Customer', 'tier', 'MKT', 'D'],
    ] as const) {
      const [withDirect, without] = await pairUnder(policyWith([cell as never]));
      const [answered, expected] = [await read(withDirect), await read(without)];
      expect(answered.direct).toBe(false);
      expect(answered.answer).toEqual(expected.answer);
      expect(answered.answer.errors?.[0]?.code).toBe('FORBIDDEN');
    }
  });
});
