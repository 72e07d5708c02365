import { Role } from '../../src/auth/roles';
import { LifecycleStage, Tier } from '../../src/modules/customer/customer.enums';
import type { TokenClaims } from '../../src/auth/token-issuer';
import { Factory } from '../support/factories';
import { countStatements } from '../support/sql-counter';
import { staffId } from '../support/staff-ids';
import { AUDITOR, startTestApp, TestApp } from '../support/test-app';
import { W1_CUSTOMER_360, W2_SEGMENT_PAGE } from '../../bench/workloads';
import { Channel } from '../../src/modules/interaction/interaction.enums';
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
/** Customers of the branch: one in the manager's book with one of everything, one outside it. */
const ids: Record<'IN_BOOK' | 'IN_BOOK_NO' | 'OUT_OF_BOOK', string> = { IN_BOOK: '', IN_BOOK_NO: '', OUT_OF_BOOK: '' };

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
  // The 360° view's relations: 12 interactions (a page of 10 has a next page), two assessments (the
  // later one counts), enrolments in two campaigns, a second holding with an account number.
  const firstOf = async (where: string, value: string) =>
    (
      await direct.ds.query(`SELECT id, customer_no FROM customer WHERE ${where} ORDER BY customer_no LIMIT 1`, [value])
    )[0];
  const inBook = await firstOf('relationship_manager_id = $1', manager.id);
  const outOfBook = await firstOf('branch_id = $1 AND relationship_manager_id IS NULL', branchId);
  Object.assign(ids, { IN_BOOK: inBook.id, IN_BOOK_NO: inBook.customer_no, OUT_OF_BOOK: outOfBook.id });
  for (const [index, customer] of [inBook.id, outOfBook.id].entries()) {
    for (let n = 0; n < 12; n++)
      await make.interaction(customer, {
        occurredAt: new Date(Date.UTC(2026, 0, 1 + n, 9, n, 0, 123)),
        summary: n % 2 ? `通话${n}` : null,
        channel: n % 3 ? Channel.MOBILE_APP : Channel.CALL_CENTER,
      });
    await make.riskAssessment(customer, { assessedAt: new Date('2025-01-01T00:00:00Z'), validUntil: '2026-01-01' });
    await make.riskAssessment(customer, { assessedAt: new Date('2026-03-01T08:00:00.250Z'), validUntil: '2027-03-01' });
    await make.holding(customer, {
      productId: product.id,
      accountNo: `622202020011223${index}`,
      openedOn: '2025-12-31',
    });
    for (const code of ['DIRECT_CAMPAIGN_A', 'DIRECT_CAMPAIGN_B'].map((c) => `${c}_${customer.slice(0, 8)}`)) {
      const campaign = await make.campaign({ code, createdBy: manager.id });
      await make.enrollment(campaign.id, customer);
    }
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
    'derived fields',
    `query ($branchIds: [ID!]) { customers(first: 3, filter: { branchIds: $branchIds }) { edges { node { id ageBand aumBand } } } }`,
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
    'a covered root selecting a derived field before another root',
    `query { customers(first: 2) { edges { node { ageBand } } } me { id } }`,
    {},
  ],
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
  for (const [name, value] of Object.entries(variables))
    if (typeof value === 'string' && Object.hasOwn(ids, value)) variables[name] = ids[value as keyof typeof ids];
  if (variables.id === 'UPPER_CASE') variables.id = ids.IN_BOOK.toUpperCase();
  const counter = countStatements();
  let answered;
  try {
    answered = await answerOf(direct, query, variables, as);
  } finally {
    counter.restore();
  }
  const expected = await answerOf(executorOnly, query, variables, as);
  expect(answered).toEqual(expected);
  // The reads of the request, without the audit insert and the audit query above, nor the keyring's
  // one read of the data keys (once per process, whichever path decrypts first).
  return counter.statements.filter((sql) => !/audit_record|FROM data_key/.test(sql));
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
        const reads = await compare(query, variables, caller);
        expect(reads.some((sql) => sql.includes(' AS node'))).toBe(false);
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

  it('answers a search directly only where it matches customer numbers alone (names masked)', async () => {
    const search = `query { customers(first: 3, filter: { search: "C" }) { edges { node { id } } } }`;
    // A search of names for a caller who reads them in full is a read of names: its audit record is the executor's.
    expect((await compare(search, {}, AUDITOR)).some((sql) => sql.includes(' AS node'))).toBe(false);
    expect(await compare(search, {}, ANALYST)).toEqual([expect.stringContaining(' AS node')]);
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

/** One customer's view: `customer(id)` and `customerByNumber`, with encrypted fields and every relation they project. */
/**
 * Those who read every field of the 360° view alike on every customer, none denied (the call centre and
 * branch staff may not read balances): the view is theirs in one statement.
 */
const READ_DIRECTLY = ['auditor', 'relationship manager', 'risk officer'];

const ONE_CUSTOMER: [string, string, Record<string, unknown>, readonly string[]][] = [
  ["the benchmark's 360° view (W1)", W1_CUSTOMER_360, { id: 'IN_BOOK' }, READ_DIRECTLY],
  ["the 360° view of a customer outside a manager's book", W1_CUSTOMER_360, { id: 'OUT_OF_BOOK' }, READ_DIRECTLY],
  ['the 360° view by an upper-case id', W1_CUSTOMER_360, { id: 'UPPER_CASE' }, READ_DIRECTLY],
  ['no such customer', W1_CUSTOMER_360, { id: '00000000-0000-4000-8000-00000000dead' }, READ_DIRECTLY],
  [
    'by number: encrypted fields without the address, account numbers, a second page of interactions',
    `query ($no: String!) { customerByNumber(customerNo: $no) { id idNumber phone email
      holdings(first: 2) { totalCount edges { node { accountNo currency product { code } } } }
      interactions(first: 4) { totalCount edges { node { occurredAt type channel summary complianceFlags } } pageInfo { hasNextPage } }
    } }`,
    { no: 'IN_BOOK_NO' },
    // No address, no balance: the other staff read these masked or in full alike on every customer.
    [...READ_DIRECTLY, 'call-centre agent', 'risk officer', 'branch staff'],
  ],
  [
    'aliases, fragments and every projected relation field',
    `query ($id: ID!) { one: customer(id: $id) { ...Contact
      b: branch { __typename id code name city } rm: relationshipManager { id name }
      risk: riskProfile { riskTolerance assessedAt validUntil creditGrade }
      enrolled: campaignEnrollments { enrolledAt status channel c: campaign { id code name objective status channels
        budget startsOn endsOn createdAt riskDisclosure approvedBy rejectedBy rejectionReason } }
      recent: interactions(first: 1) { edges { node { id outcome } } }
    } }
    fragment Contact on Customer { id at: address email }`,
    { id: 'IN_BOOK' },
    READ_DIRECTLY,
  ],
];

/** The same customer reads, left to the executor: a malformed id is its error to report. */
const ONE_CUSTOMER_LEFT: [string, string, Record<string, unknown>][] = [
  ['a malformed id', `query { customer(id: "not-an-id") { id name } }`, {}],
  ['a derived field', `query ($id: ID!) { customer(id: $id) { id ageBand riskWarnings { code } } }`, { id: 'IN_BOOK' }],
  // The executor's loaders read both in one statement; direct reads would run two.
  [
    'two customers by alias',
    `query ($id: ID!) { a: customer(id: $id) { id name } b: customer(id: "00000000-0000-4000-8000-00000000dead") { id } }`,
    { id: 'IN_BOOK' },
  ],
  [
    'an interactions cursor',
    `query ($id: ID!) { customer(id: $id) { interactions(first: 2) { edges { cursor } } } }`,
    { id: 'IN_BOOK' },
  ],
];

describe('direct reads of one customer answer as the executor does', () => {
  const callers: [string, () => TokenClaims][] = [
    ...CALLERS.map(([name, claims]) => [name, () => claims] as [string, () => TokenClaims]),
    ['relationship manager', () => rm],
    ['branch staff', () => branchStaff],
    ['a manager who is branch staff too', () => rmAndBranch],
  ];
  for (const [callerName, caller] of callers) {
    for (const [name, query, variables, directFor] of ONE_CUSTOMER) {
      it(`${name}, as ${callerName}${directFor.includes(callerName) ? '' : " (the executor's)"}`, async () => {
        const reads = await compare(query, variables, caller());
        if (directFor.includes(callerName)) expect(reads).toEqual([expect.stringContaining(' AS node')]);
        else expect(reads.some((sql) => sql.includes(' AS node'))).toBe(false);
      });
    }
    for (const [name, query, variables] of ONE_CUSTOMER_LEFT) {
      it(`${name}, as ${callerName} (the executor's)`, async () => {
        const reads = await compare(query, variables, caller());
        expect(reads.some((sql) => sql.includes(' AS node'))).toBe(false);
      });
    }
  }

  it("answers the benchmark's 360° view for the customer's manager in one statement, and audits each sensitive field it reads in full", async () => {
    const reads = await compare(W1_CUSTOMER_360, { id: 'IN_BOOK' }, rm);
    expect(reads).toHaveLength(1);
    expect(reads[0]).toContain(' AS node');
    const { data, audit } = await answerOf(direct, W1_CUSTOMER_360, { id: ids.IN_BOOK }, rm);
    expect(data.customer.interactions.edges).toHaveLength(10);
    expect(data.customer.interactions.pageInfo.hasNextPage).toBe(true);
    expect(data.customer.riskProfile.validUntil).toBe('2027-03-01');
    // A manager reads ID and account numbers masked, phone, email and address in full.
    expect(data.customer.holdings.edges[0].node.accountNo).toBe('****2230');
    expect(data.customer.phone).toMatch(/^1\d{10}$/);
    expect(audit).toHaveLength(1);
    expect(data.customer.idNumber).toMatch(/\*/);
    expect(audit[0].fields).toEqual(expect.arrayContaining(['address', 'email', 'phone', 'balance', 'creditGrade']));
    expect(audit[0].fields).not.toEqual(expect.arrayContaining(['idNumber']));
    expect(audit[0].fields).not.toEqual(expect.arrayContaining(['accountNo']));
  });

  it("answers null for a customer outside a manager's book, in one statement, and audits nothing", async () => {
    const reads = await compare(W1_CUSTOMER_360, { id: 'OUT_OF_BOOK' }, rm);
    expect(reads).toEqual([expect.stringContaining(' AS node')]);
    const { data, audit } = await answerOf(direct, W1_CUSTOMER_360, { id: ids.OUT_OF_BOOK }, rm);
    expect(data.customer).toBeNull();
    expect(audit).toEqual([]);
  });

  it('masks encrypted fields after opening them, directly, for a caller who reads them masked', async () => {
    const [, query, variables] = ONE_CUSTOMER.find(([name]) => name.startsWith('by number'))!;
    const reads = await compare(query, variables, AGENT);
    expect(reads).toEqual([expect.stringContaining(' AS node')]);
    const { data } = await answerOf(direct, query, { no: ids.IN_BOOK_NO }, AGENT);
    expect(data.customerByNumber.phone).toMatch(/\*/);
    expect(data.customerByNumber.holdings.edges.map((e: any) => e.node.accountNo)).toContain('****2230');
  });

  it('masks an address from its parts, directly, as the executor does', async () => {
    const query = `query ($id: ID!) { customer(id: $id) { id address } }`;
    expect(await compare(query, { id: 'IN_BOOK' }, AGENT)).toEqual([expect.stringContaining(' AS node')]);
    const { data } = await answerOf(direct, query, { id: ids.IN_BOOK }, AGENT);
    expect(data.customer.address).toMatch(/\*/);
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

describe('direct reads of one customer at the edges of its data', () => {
  /** A customer without email, manager, risk profile or enrolments, and one whose instants carry microseconds. */
  let bare: string;
  let precise: string;
  beforeAll(async () => {
    bare = (await make.customer({ branchId, relationshipManagerId: null, email: null } as never)).id;
    precise = (await make.customer({ branchId })).id;
    await make.riskAssessment(precise, { assessedAt: new Date('2026-03-01T08:00:00.999Z'), validUntil: '2027-03-01' });
    const campaign = await make.campaign({ code: 'DIRECT_PRECISE' });
    await make.enrollment(campaign.id, precise, { enrolledAt: new Date('2026-04-01T08:00:00.999Z') });
    // Assessments and enrolments keep microseconds (enrolment runs stamp now()); the DateTime scalar
    // writes milliseconds, cut, not rounded. (Interactions are stored to the millisecond.)
    await direct.ds.query(
      `UPDATE risk_assessment SET assessed_at = assessed_at + interval '999 microseconds' WHERE customer_id = $1`,
      [precise],
    );
    await direct.ds.query(
      `UPDATE campaign_enrollment SET enrolled_at = enrolled_at + interval '999 microseconds' WHERE customer_id = $1`,
      [precise],
    );
  });

  const VIEW = `query ($id: ID!) { customer(id: $id) { id email relationshipManager { id } riskProfile { assessedAt }
    campaignEnrollments { status enrolledAt campaign { createdAt } } tags { source }
    none: holdings(first: 0) { totalCount edges { node { id } } pageInfo { hasNextPage } }
    interactions(first: 2) { totalCount edges { node { id occurredAt } } pageInfo { hasNextPage } } } }`;

  it.each([
    ['without email, manager, risk profile or enrolments', () => bare],
    ['whose instants carry microseconds', () => precise],
  ])('answers a customer %s as the executor does, in one statement', async (_name, id) => {
    expect(await compare(VIEW, { id: id() }, AUDITOR)).toEqual([expect.stringContaining(' AS node')]);
  });
});

describe('a direct read whose statement fails', () => {
  it('hands the query to the executor, which answers it, and counts the failure by SQLSTATE', async () => {
    const query = `query ($id: ID!) { customer(id: $id) { id relationshipManager { name } } }`;
    // The executor reads managers' names through the process cache: warmed here, so that only the
    // direct read's statement (which reads the staff table itself) meets the missing table below.
    await direct.gql(
      `query ($id: ID!) { customer(id: $id) { ageBand relationshipManager { name } } }`,
      { id: ids.IN_BOOK },
      { as: rm },
    );
    await direct.ds.query('ALTER TABLE staff RENAME TO staff_hidden');
    let res;
    try {
      res = await direct.gql(query, { id: ids.IN_BOOK }, { as: rm });
    } finally {
      await direct.ds.query('ALTER TABLE staff_hidden RENAME TO staff');
    }
    expect(res.errors).toBeUndefined();
    expect(res.data.customer.relationshipManager.name).toEqual(expect.any(String));
    // With its table back, the same query is a direct read again.
    expect((await direct.gql(query, { id: ids.IN_BOOK }, { as: rm })).data).toEqual(res.data);
    const scrape = await (await fetch(direct.url.replace('/graphql', '/metrics'))).text();
    expect(scrape).toMatch(/graphql_direct_reads_total\{outcome="failed",sqlstate="42P01"\} 1\n/);
    expect(scrape).toMatch(/graphql_direct_reads_total\{outcome="direct",sqlstate=""\} [1-9]\d*\n/);
  });
});

describe('direct reads of one customer whose stored ciphertext does not open', () => {
  /**
   * A known divergence, kept on purpose: the executor's single-customer loaders open every encrypted
   * column of the row whatever the selection (customer.loaders.ts scopedRows), so one that does not
   * open fails the whole customer (INTERNAL_SERVER_ERROR at `customer`), while a page of the executor
   * and a direct read open only what is selected. A direct read answers what does open; a selection
   * of the column that does not fails there too, and nothing of it reaches the client.
   */
  let unreadable: string;
  beforeAll(async () => {
    unreadable = (await make.customer({ branchId })).id;
    await direct.ds.query(`UPDATE customer SET email = $2 WHERE id = $1`, [
      unreadable,
      'enc1:424242:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    ]);
  });

  it('answers a selection without the unreadable column directly', async () => {
    const res = await direct.gql(`query ($id: ID!) { customer(id: $id) { id name } }`, { id: unreadable });
    expect(res.errors).toBeUndefined();
    expect(res.data.customer.id).toBe(unreadable);
  });

  it('fails a selection of the unreadable column on both paths, with no ciphertext in the answer', async () => {
    for (const app of [direct, executorOnly]) {
      const res = await app.gql(`query ($id: ID!) { customer(id: $id) { id email } }`, { id: unreadable });
      expect(res.errors?.map((e: any) => e.extensions.code)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(res.data?.customer ?? null).toBeNull();
      expect(JSON.stringify({ data: res.data, errors: res.errors })).not.toContain('enc1:');
    }
  });
});
