import { Role, Scope } from '../../src/auth/roles';
import { useTestApp } from '../support/test-app';

/**
 * PRODUCT.md §4's input bounds: money from 0 to 999,999,999,999.99, dates
 * from 1900-01-01 to 2100-12-31, times of things that happened no later than
 * five minutes after the server's clock. Outside: BAD_USER_INPUT naming the
 * field, in a variable or written into the document, and nothing stored.
 */
const { app, make } = useTestApp();

const CREATE = `mutation ($input: CampaignInput!) { createCampaign(input: $input) { id } }`;
const RESPOND = `mutation ($input: CampaignResponseInput!) { recordCampaignResponse(input: $input) { status } }`;
const RECORD = `mutation ($input: RecordInteractionInput!) { recordInteraction(input: $input) { id } }`;

const plan = (overrides: Record<string, unknown> = {}) => ({
  code: `BOUNDS-${Math.random().toString(36).slice(2, 8).toUpperCase()}`,
  name: 'bounds',
  targetCriteria: {},
  channels: ['MOBILE_APP'],
  ...overrides,
});

function expectRefused(
  res: { status: number; errors?: { extensions: Record<string, unknown>; message: string }[] },
  field: string,
) {
  expect(res.status).toBeLessThan(500);
  expect(res.errors?.map((e) => ({ code: e.extensions.code, field: e.extensions.field }))).toEqual([
    { code: 'BAD_USER_INPUT', field },
  ]);
}

async function manager() {
  return { sub: (await make.staff()).id, roles: [Role.MARKETING_MANAGER] };
}

const count = async (table: string) => (await app.ds.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n;

describe('money inputs', () => {
  it.each([
    ['a negative budget', { budget: '-1.00' }, 'input.budget'],
    ['a budget above the maximum', { budget: '1000000000000.00' }, 'input.budget'],
    ['a negative aumMin in the target', { targetCriteria: { aumMin: '-5.00' } }, 'input.targetCriteria.aumMin'],
    [
      'a huge aumMax in the target',
      { targetCriteria: { aumMax: '9999999999999999.99' } },
      'input.targetCriteria.aumMax',
    ],
  ])('refuse %s in a variable, storing nothing', async (_name, overrides, field) => {
    const before = await count('campaign');
    expectRefused(await app.gql(CREATE, { input: plan(overrides) }, { as: await manager() }), field);
    expect(await count('campaign')).toBe(before);
  });

  it('refuse a negative budget written into the document, naming the field', async () => {
    const res = await app.gql(
      `mutation { createCampaign(input: { code: "LITERAL-1", name: "n", targetCriteria: {}, channels: [MOBILE_APP], budget: "-1.00" }) { id } }`,
      undefined,
      { as: await manager() },
    );
    expectRefused(res, 'input.budget');
  });

  it('accept the maximum itself', async () => {
    const res = await app.gql(CREATE, { input: plan({ budget: '999999999999.99' }) }, { as: await manager() });
    expect(res.errors).toBeUndefined();
  });

  it('refuse a negative AUM bound in the customers filter', async () => {
    const res = await app.gql(
      `query ($f: CustomerFilter) { customers(filter: $f) { totalCount } }`,
      { f: { aumMin: '-1.00' } },
      { as: { sub: (await make.staff()).id, roles: [Role.RISK_OFFICER] } },
    );
    expectRefused(res, 'f.aumMin');
  });
});

describe('campaign revenue', () => {
  const responder = { sub: 'partner-bounds', roles: [Role.PARTNER], scopes: [Scope.CAMPAIGNS_RESPOND] };

  async function enrolledCustomer() {
    const customer = await make.customer();
    await make.consent(customer.id, { purpose: 'PARTNER_SHARING' as never, channel: null });
    const campaign = await make.campaign({ status: 'ACTIVE' as never });
    await make.enrollment(campaign.id, customer.id);
    return { customer, campaign };
  }

  it.each(['9999999999999999.99', '-1.00'])(
    'refuses a response with revenue %s and stores nothing',
    async (revenue) => {
      const { customer, campaign } = await enrolledCustomer();
      const res = await app.gql(
        RESPOND,
        {
          input: {
            campaignId: campaign.id,
            customerNo: customer.customerNo,
            converted: true,
            revenue,
            externalRef: 'x',
          },
        },
        { as: responder },
      );
      expectRefused(res, 'input.revenue');
      const [row] = await app.ds.query('SELECT status, revenue FROM campaign_enrollment WHERE campaign_id = $1', [
        campaign.id,
      ]);
      expect(row).toEqual({ status: 'TARGETED', revenue: '0.00' });
    },
  );

  it('is summed without overflow in metrics, however large the stored revenues', async () => {
    const campaign = await make.campaign({ status: 'ACTIVE' as never, cost: '1.00' });
    for (let i = 0; i < 3; i++) {
      const customer = await make.customer();
      // The column's own maximum, as rows written before the input bound could hold.
      await make.enrollment(campaign.id, customer.id, { status: 'CONVERTED' as never, revenue: '9999999999999999.99' });
    }
    const res = await app.gql(`query ($id: ID!) { campaign(id: $id) { metrics { converted revenue roi } } }`, {
      id: campaign.id,
    });
    expect(res.errors).toBeUndefined();
    expect(res.data.campaign.metrics).toMatchObject({ converted: 3, revenue: '29999999999999999.97' });
  });
});

describe('dates and times', () => {
  it.each([
    ['0000-01-01', 'input.startsOn'],
    ['1899-12-31', 'input.startsOn'],
    ['2101-01-01', 'input.startsOn'],
  ])('refuse startsOn %s', async (startsOn, field) => {
    expectRefused(await app.gql(CREATE, { input: plan({ startsOn }) }, { as: await manager() }), field);
  });

  it('refuse an endsOn of year 9999 written into the document', async () => {
    const res = await app.gql(
      `mutation { createCampaign(input: { code: "LITERAL-2", name: "n", targetCriteria: {}, channels: [MOBILE_APP], endsOn: "9999-12-31" }) { id } }`,
      undefined,
      { as: await manager() },
    );
    expectRefused(res, 'input.endsOn');
  });

  it('accept the first and last dates of the window', async () => {
    const res = await app.gql(
      CREATE,
      { input: plan({ startsOn: '1900-01-01', endsOn: '2100-12-31' }) },
      {
        as: await manager(),
      },
    );
    expect(res.errors).toBeUndefined();
  });

  const inTen = () => new Date(Date.now() + 10 * 60_000).toISOString();
  it.each([
    ['year 0000', () => '0000-01-01T00:00:00Z'],
    ['year 9999', () => '9999-12-31T23:59:59Z'],
    ['ten minutes from now', inTen],
  ])('refuse an interaction that occurred in %s, and keep the history readable', async (_name, occurredAt) => {
    const rm = await make.staff();
    const customer = await make.customer({ branchId: rm.branchId, relationshipManagerId: rm.id });
    const as = { sub: rm.id, roles: [Role.RELATIONSHIP_MANAGER] };
    const input = { customerNo: customer.customerNo, channel: 'BRANCH', type: 'VISIT', occurredAt: occurredAt() };
    expectRefused(await app.gql(RECORD, { input }, { as }), 'input.occurredAt');
    expect(
      await app.ds.query('SELECT count(*)::int AS n FROM interaction WHERE customer_id = $1', [customer.id]),
    ).toEqual([{ n: 0 }]);
    const soon = new Date(Date.now() + 60_000).toISOString();
    expect((await app.gql(RECORD, { input: { ...input, occurredAt: soon } }, { as })).errors).toBeUndefined();
    const history = await app.gql(
      `query ($id: ID!) { customer(id: $id) { interactions(first: 5) { edges { node { occurredAt } } } } }`,
      { id: customer.id },
    );
    expect(history.errors).toBeUndefined();
    expect(history.data.customer.interactions.edges).toHaveLength(1);
  });

  it('refuse an audit-log filter from year 0000', async () => {
    const res = await app.gql(`query ($f: AuditLogFilter) { auditLog(filter: $f) { totalCount } }`, {
      f: { from: '0000-01-01T00:00:00Z' },
    });
    expectRefused(res, 'f.from');
  });
});

describe('malformed literals', () => {
  it.each([
    ['a Decimal in exponent notation', 'budget: "1e5"', 'input.budget'],
    ['a Decimal given as a number', 'budget: 5', 'input.budget'],
    ['a Date that does not exist', 'startsOn: "2026-02-30"', 'input.startsOn'],
    ['a Date given as a list', 'endsOn: ["2026-01-01"]', 'input.endsOn'],
  ])('refuse %s, naming the field', async (_name, literal, field) => {
    const res = await app.gql(
      `mutation { createCampaign(input: { code: "LITERAL-3", name: "n", targetCriteria: {}, channels: [MOBILE_APP], ${literal} }) { id } }`,
      undefined,
      { as: await manager() },
    );
    expectRefused(res, field);
  });
});
