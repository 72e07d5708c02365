import { CampaignStatus } from '../../src/modules/campaign/campaign.enums';
import { ConsentPurpose } from '../../src/modules/consent/consent.enums';
import { Factory } from '../support/factories';
import { CUSTOMER_360_FIELDS } from '../support/queries';
import { countStatements } from '../support/sql-counter';
import { startTestApp, TestApp } from '../support/test-app';

let app: TestApp;
let branchId: string;

/** 60 customers of one branch, each with every relation filled. */
beforeAll(async () => {
  app = await startTestApp();
  const make = new Factory(app.ds);
  const branch = await make.branch();
  branchId = branch.id;
  const rm = await make.staff({ branchId });
  const tag = await make.tag();
  const product = await make.product();
  const campaign = await make.campaign({ status: CampaignStatus.ACTIVE });
  for (let i = 0; i < 60; i++) {
    const customer = await make.customer({ branchId, relationshipManagerId: rm.id });
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

    // One per relation: the page, its count, tags, holdings and their count,
    // interactions and their count, enrolments, campaigns, risk profile,
    // consents; and one audit insert for the whole page (the default test
    // caller reads sensitive fields in full).
    expect(forFifty).toHaveLength(12);
    expect(forFifty.filter((sql) => sql.includes('INSERT INTO audit_record'))).toHaveLength(1);
    expect(forFifty.some((sql) => /"(branch|staff|product)"/.test(sql))).toBe(false);
    expect(forFive).toHaveLength(forFifty.length);
    // Branch, manager and products, once.
    expect(cold).toHaveLength(forFifty.length + 3);
  });
});
