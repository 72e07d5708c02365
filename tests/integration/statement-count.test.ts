import { CampaignStatus, EnrollmentStatus } from '../../src/modules/campaign/campaign.enums';
import { Tier } from '../../src/modules/customer/customer.enums';
import { Channel, InteractionType } from '../../src/modules/interaction/interaction.enums';
import type { TokenClaims } from '../../src/auth/token-issuer';
import { ConsentPurpose } from '../../src/modules/consent/consent.enums';
import { Factory } from '../support/factories';
import { CUSTOMER_360_FIELDS } from '../support/queries';
import { countStatements, withoutTransactionControl } from '../support/sql-counter';
import { queuedCustomerIds } from '../support/segment-refresh';
import { Role, Scope } from '../../src/auth/roles';
import { startTestApp, TestApp } from '../support/test-app';
import { staffId } from '../support/staff-ids';

let app: TestApp;
let branchId: string;
let customerIds: string[];
let rmId: string;
/** One factory for the file: customer numbers come from its counter. */
let make: Factory;

/** 60 customers of one branch, each with every relation filled. */
beforeAll(async () => {
  app = await startTestApp();
  make = new Factory(app.ds);
  const branch = await make.branch();
  branchId = branch.id;
  const rm = await make.staff({ branchId });
  rmId = rm.id;
  const tag = await make.tag();
  const product = await make.product();
  // Values of every kind a campaign row holds (money, dates, arrays), for the look-ahead's JSON to carry.
  const campaign = await make.campaign({
    status: CampaignStatus.ACTIVE,
    objective: '提升理财持有',
    budget: '12345.60',
    targetAumMin: '500000.00',
    targetTiers: [Tier.WEALTH],
    startsOn: '2026-01-01',
    endsOn: '2026-12-31',
    productId: product.id,
  });
  customerIds = [];
  for (let i = 0; i < 60; i++) {
    const customer = await make.customer({ branchId, relationshipManagerId: rm.id });
    customerIds.push(customer.id);
    await make.customerTag(customer.id, tag.id);
    await make.holding(customer.id, { productId: product.id });
    await make.holding(customer.id, { productId: product.id });
    await make.interaction(customer.id);
    await make.enrollment(campaign.id, customer.id);
    await make.riskAssessment(customer.id);
    await make.consent(customer.id, { purpose: ConsentPurpose.PERSONALISED_MARKETING, channel: null });
  }
});
afterAll(() => app.close());

async function statementsForPage(first: number) {
  const counter = countStatements();
  try {
    const res = await app.gql(
      `query ($first: Int!, $branchIds: [ID!]) {
        customers(first: $first, filter: { branchIds: $branchIds }) {
          totalCount
          edges { node { ${CUSTOMER_360_FIELDS} } }
        }
      }`,
      { first, branchIds: [branchId] },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.customers.edges).toHaveLength(first);
    for (const { node } of res.data.customers.edges) {
      expect(node.holdings.edges).toHaveLength(2);
      expect(node.tags).toHaveLength(1);
      expect(node.campaignEnrollments[0].campaign.status).toBe('ACTIVE');
      expect(node.contactAllowance).toMatchObject({ remainingToday: 1, remainingThisMonth: 2 });
    }
    return counter.statements;
  } finally {
    counter.restore();
  }
}

describe('SQL statements per request', () => {
  it('depend on the shape of the query, not on the number of customers', async () => {
    // The first request of a process also fetches reference rows (branch, staff, products) into the process-wide cache.
    const cold = await statementsForPage(5);
    const forFifty = await statementsForPage(50);
    const forFive = await statementsForPage(5);

    // The page and its count; one statement for every relation of the 50
    // customers (the root resolver's look-ahead), the enrolments bringing
    // their campaigns; one audit insert for the whole page (the default test
    // caller reads sensitive fields in full).
    expect(forFifty).toHaveLength(4);
    expect(forFifty.filter((sql) => sql.includes('INSERT INTO audit_record'))).toHaveLength(1);
    expect(forFifty.some((sql) => /"(branch|staff|product)"/.test(sql))).toBe(false);
    expect(forFive).toHaveLength(forFifty.length);
    // Branch, manager and products, once.
    expect(cold).toHaveLength(forFifty.length + 3);
  });
});

async function counted<T>(request: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  const counter = countStatements();
  try {
    return { result: await request(), statements: counter.statements };
  } finally {
    counter.restore();
  }
}

describe('look-ahead from the root resolver', () => {
  it("reads one customer's whole 360° view in two statements", async () => {
    const { result, statements } = await counted(() =>
      app.gql(`query ($id: ID!) { customer(id: $id) { ${CUSTOMER_360_FIELDS} } }`, { id: customerIds[0] }),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.customer.holdings.totalCount).toBe(2);
    // The customer with every relation (and the enrolments' campaigns); the audit insert.
    expect(statements).toHaveLength(2);
  });

  it('gives an enrolment the same campaign as the campaign query does', async () => {
    const fields = `id code name objective status channels budget startsOn endsOn createdAt
      targetCriteria { tiers lifecycleStages tagCodes aumMin aumMax } product { code } metrics { targeted }`;
    const viaCustomer = await app.gql(
      `query ($id: ID!) { customer(id: $id) { campaignEnrollments { campaign { ${fields} } } } }`,
      { id: customerIds[5] },
    );
    const campaign = viaCustomer.data.customer.campaignEnrollments[0].campaign;
    const direct = await app.gql(`query ($id: ID!) { campaign(id: $id) { ${fields} } }`, { id: campaign.id });
    expect(viaCustomer.errors).toBeUndefined();
    expect(campaign).toEqual(direct.data.campaign);
    expect(campaign.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('carries no ciphertext a page does not show, and prefetches the holdings its resolver then reads', async () => {
    const page = (holdingFields: string) =>
      counted(() =>
        app.gql(
          `query ($branchIds: [ID!]) { customers(first: 50, filter: { branchIds: $branchIds }) {
            edges { cursor node { id name holdings(first: 10) { edges { node { ${holdingFields} } } } } } } }`,
          { branchIds: [branchId] },
        ),
      );
    // Cursors keep this page on the executor's path (a direct read would build it in one statement).
    const without = await page('id currency');
    expect(without.result.errors).toBeUndefined();
    expect(without.result.data.customers.edges.every((e: any) => e.node.holdings.edges.length === 2)).toBe(true);
    // The page and one statement for every customer's holdings: neither reads an encrypted column.
    expect(without.statements).toHaveLength(2);
    expect(
      without.statements.filter((sql) => /account_no|\.id_number|\.phone|\.email|address_street/.test(sql)),
    ).toEqual([]);

    const withAccountNo = await page('id accountNo');
    expect(withAccountNo.result.errors).toBeUndefined();
    const accountNos = withAccountNo.result.data.customers.edges.flatMap((e: any) =>
      e.node.holdings.edges.map((h: any) => h.node.accountNo),
    );
    expect(accountNos).toHaveLength(100);
    expect(accountNos.every((accountNo: string) => /^\*+\d{4}$|^\d+$/.test(accountNo))).toBe(true);
    // The look-ahead fetched the page with account numbers, the one the field resolver asks for (+ the audit insert).
    expect(withAccountNo.statements.filter((sql) => sql.includes('h.account_no'))).toHaveLength(1);
    expect(withAccountNo.statements.filter((sql) => !sql.includes('INSERT INTO audit_record'))).toHaveLength(2);
  });

  it('reads aliases of customer with the same relations in one statement', async () => {
    const { result, statements } = await counted(() =>
      app.gql(
        `query ($a: ID!, $b: ID!) { a: customer(id: $a) { id tags { source } } b: customer(id: $b) { id tags { source } } }`,
        { a: customerIds[8], b: customerIds[9] },
      ),
    );
    expect(result.errors).toBeUndefined();
    expect([result.data.a.id, result.data.b.id]).toEqual([customerIds[8], customerIds[9]]);
    expect([result.data.a.tags, result.data.b.tags].map((tags) => tags.length)).toEqual([1, 1]);
    expect(statements).toHaveLength(1);
  });

  it('fetches each alias with its own page arguments in the same statement', async () => {
    const { result, statements } = await counted(() =>
      app.gql(
        `query ($id: ID!) { customer(id: $id) {
          one: holdings(first: 1) { edges { node { id } } pageInfo { hasNextPage } }
          two: holdings(first: 2) { edges { node { id } } pageInfo { hasNextPage } }
        } }`,
        { id: customerIds[1] },
      ),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.customer.one.edges).toHaveLength(1);
    expect(result.data.customer.one.pageInfo.hasNextPage).toBe(true);
    expect(result.data.customer.two.edges).toHaveLength(2);
    expect(result.data.customer.two.pageInfo.hasNextPage).toBe(false);
    expect(statements).toHaveLength(1);
  });

  it('follows fragments and skips what @skip leaves out', async () => {
    const { result, statements } = await counted(() =>
      app.gql(
        `query ($id: ID!, $skip: Boolean!) { customer(id: $id) { ...Risk tags @skip(if: $skip) { source } } }
         fragment Risk on Customer { riskProfile { riskTolerance } }`,
        { id: customerIds[2], skip: true },
      ),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.customer.riskProfile.riskTolerance).toMatch(/^C[1-5]$/);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toContain('risk_assessment');
    expect(statements[0]).not.toContain('customer_tag');
  });

  it('does not fetch a relation the caller is denied', async () => {
    const { result, statements } = await counted(() =>
      app.gql(
        `query ($id: ID!) { customer(id: $id) { tags { source } interactions(first: 5) { edges { node { id } } } } }`,
        { id: customerIds[3] },
        { as: { sub: staffId('analyst'), roles: [Role.MARKETING_ANALYST] } },
      ),
    );
    expect(result.data.customer.tags).toHaveLength(1);
    expect(result.errors?.map((e) => [e.extensions.code, e.path])).toEqual([
      ['FORBIDDEN', ['customer', 'interactions']],
    ]);
    expect(statements.join()).not.toContain('FROM interaction');
  });

  it('reads a relation only on the customers whose plan allows it when the roles disagree', async () => {
    // Interactions: full for a relationship manager's own book, denied to marketing (which sees every customer).
    const outside = await make.customer();
    await make.interaction(outside.id);
    const caller = { sub: rmId, roles: [Role.RELATIONSHIP_MANAGER, Role.MARKETING_ANALYST] };
    const query = `query ($id: ID!) { customer(id: $id) { id interactions(first: 5) { edges { node { id } } } } }`;

    const own = await counted(() => app.gql(query, { id: customerIds[6] }, { as: caller }));
    expect(own.result.errors).toBeUndefined();
    expect(own.result.data.customer.interactions.edges).toHaveLength(1);
    expect(own.statements).toHaveLength(2); // the customer first, its relations through its own plan

    const other = await counted(() => app.gql(query, { id: outside.id }, { as: caller }));
    expect(other.result.data.customer.id).toBe(outside.id);
    expect(other.result.errors?.map((e) => [e.extensions.code, e.path])).toEqual([
      ['FORBIDDEN', ['customer', 'interactions']],
    ]);
    expect(other.statements.join()).not.toContain('FROM interaction');
  });

  it('finds a customer by an upper-case id whether or not relations are read with it', async () => {
    const id = customerIds[7].toUpperCase();
    const alone = await app.gql(`query ($id: ID!) { customer(id: $id) { id } }`, { id });
    const withTags = await app.gql(`query ($id: ID!) { customer(id: $id) { id tags { source } } }`, { id });
    expect(alone.data.customer).toEqual({ id: customerIds[7] });
    expect(withTags.data.customer.id).toBe(customerIds[7]);
  });

  it('leaves bad page arguments to the field, which reports them at its path', async () => {
    const { result } = await counted(() =>
      app.gql(`query ($id: ID!) { customer(id: $id) { tags { source } interactions(first: -1) { totalCount } } }`, {
        id: customerIds[4],
      }),
    );
    expect(result.data.customer.tags).toHaveLength(1);
    expect(result.errors?.map((e) => [e.extensions.code, e.path])).toEqual([
      ['BAD_USER_INPUT', ['customer', 'interactions']],
    ]);
  });
});

const RECORD = `mutation ($input: RecordInteractionInput!) { recordInteraction(input: $input) { id } }`;

async function recordCounted(input: Record<string, unknown>, as: TokenClaims, headers: Record<string, string> = {}) {
  const { result, statements } = await counted(() => app.gql(RECORD, { input }, { as, headers }));
  expect(result.errors).toBeUndefined();
  return {
    id: result.data.recordInteraction.id as string,
    sent: withoutTransactionControl(statements),
  };
}

describe('recordInteraction on the request path', () => {
  const partner: TokenClaims = { sub: 'partner-count', roles: [Role.PARTNER], scopes: [Scope.INTERACTIONS_WRITE] };

  it("runs a partner's INQUIRY in 3 statements, and queues no segment refresh (an inquiry is no segment fact)", async () => {
    const customer = await make.partnerSharedCustomer();
    const input = {
      customerNo: customer.customerNo,
      channel: Channel.PARTNER,
      type: InteractionType.INQUIRY,
      occurredAt: new Date().toISOString(),
      summary: '咨询基金定投',
    };

    const { id, sent } = await recordCounted(input, partner, { 'idempotency-key': `count-${customer.id}` });

    // The idempotency claim; the customer, the interaction and the audit record in one statement; the stored
    // response. An inquiry is no segment fact: no refresh is queued.
    expect(sent).toHaveLength(3);
    const [audit] = await app.ds.query(`SELECT detail FROM audit_record WHERE customer_id = $1`, [customer.id]);
    expect(audit.detail).toEqual({ interactionId: id, type: InteractionType.INQUIRY });
    expect(await queuedCustomerIds(app.ds)).not.toContain(customer.id);
    // A replay: the claim, then the stored response.
    const replay = await recordCounted(input, partner, { 'idempotency-key': `count-${customer.id}` });
    expect(replay.id).toBe(id);
    expect(replay.sent).toHaveLength(2);
  });

  it("runs a partner's interaction that names a campaign in 4 statements: the enrolment is read first", async () => {
    const customer = await make.partnerSharedCustomer();
    const campaign = await make.campaign({ status: CampaignStatus.ACTIVE });
    await make.enrollment(campaign.id, customer.id);

    const { sent } = await recordCounted(
      {
        customerNo: customer.customerNo,
        channel: Channel.PARTNER,
        type: InteractionType.PRODUCT_VIEW,
        occurredAt: new Date().toISOString(),
        campaignId: campaign.id,
        externalRef: `count-${customer.id}`,
      },
      partner,
    );

    // The claim; the customer with their enrolment; the write (as above); the stored response.
    expect(sent).toHaveLength(4);
  });

  it("runs a relationship manager's compliant CAMPAIGN_CONTACT in 4 statements", async () => {
    const customer = await make.customer({ branchId, relationshipManagerId: rmId });
    await make.consent(customer.id, { purpose: ConsentPurpose.PERSONALISED_MARKETING, channel: null });
    await make.consent(customer.id, { purpose: ConsentPurpose.MARKETING, channel: Channel.MOBILE_APP });
    const campaign = await make.campaign({ status: CampaignStatus.ACTIVE, channels: [Channel.MOBILE_APP] });
    await make.enrollment(campaign.id, customer.id);

    const { sent } = await recordCounted(
      {
        customerNo: customer.customerNo,
        channel: Channel.MOBILE_APP,
        type: InteractionType.CAMPAIGN_CONTACT,
        occurredAt: new Date().toISOString(),
        campaignId: campaign.id,
      },
      { sub: rmId, roles: [Role.RELATIONSHIP_MANAGER], branchId },
    );

    // The staff directory (a write names its author); the customer in scope with their enrolment; the consent
    // facts; the interaction, the enrolment moved and the audit record in one statement.
    expect(sent).toHaveLength(4);
    const [enrolment] = await app.ds.query(
      `SELECT status FROM campaign_enrollment WHERE campaign_id = $1 AND customer_id = $2`,
      [campaign.id, customer.id],
    );
    expect(enrolment.status).toBe(EnrollmentStatus.CONTACTED);
    // A campaign contact is no segment fact: no refresh is queued.
    expect(await queuedCustomerIds(app.ds)).not.toContain(customer.id);
  });
});

describe('small-cohort suppression', () => {
  const PAGE = `query ($branchIds: [ID!]) {
    customers(first: 10, filter: { branchIds: $branchIds }) { totalCount edges { node { id tags { source } } } }
  }`;
  const analyst = { sub: staffId('analyst'), roles: [Role.MARKETING_ANALYST] };

  it("counts a pseudonymised caller's cohort in the page's own statement: as many statements as an auditor's", async () => {
    const forAuditor = await counted(() => app.gql(PAGE, { branchIds: [branchId] }));
    const forAnalyst = await counted(() => app.gql(PAGE, { branchIds: [branchId] }, { as: analyst }));
    expect(forAnalyst.result.errors).toBeUndefined();
    expect(forAnalyst.result.data.customers.totalCount).toBe(forAuditor.result.data.customers.totalCount);
    expect(forAnalyst.result.data.customers.edges).toHaveLength(10);
    expect(forAnalyst.statements).toHaveLength(forAuditor.statements.length);
    expect(forAnalyst.statements[0]).toContain('AS cohort');
    expect(forAuditor.statements.join()).not.toContain('AS cohort');
  });

  it('reads nothing more than the bounded count for a withheld list', async () => {
    const small = await make.branch();
    await make.customer({ branchId: small.id });
    const { result, statements } = await counted(() => app.gql(PAGE, { branchIds: [small.id] }, { as: analyst }));
    expect(result.data.customers).toEqual({ totalCount: null, edges: [] });
    expect(result.errors?.map((e) => e.extensions.code)).toEqual(['SUPPRESSED', 'SUPPRESSED']);
    expect(statements).toHaveLength(1);
  });
});
