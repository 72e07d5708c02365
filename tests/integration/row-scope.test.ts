import { Role } from '../../src/auth/roles';
import { useTestApp } from '../support/test-app';
import { staffId } from '../support/staff-ids';

// K = 1: marketing's searches here match one customer (small-cohort suppression: cohort-suppression.test.ts).
const { app, make } = useTestApp({ K_ANONYMITY_MIN: '1' });

const byId = `query ($id: ID!) { customer(id: $id) { id } }`;
const byNumber = `query ($no: String!) { customerByNumber(customerNo: $no) { id } }`;
const list = `query ($f: CustomerFilter) { customers(filter: $f, first: 100) { totalCount edges { node { id } } } }`;
const ids = (res: any) => res.data.customers.edges.map((e: any) => e.node.id).sort();

async function twoBooksInTwoBranches() {
  const [north, south] = [await make.branch(), await make.branch()];
  const [rmA, rmB] = [await make.staff({ branchId: north.id }), await make.staff({ branchId: north.id })];
  const ofA = await make.customer({ branchId: north.id, relationshipManagerId: rmA.id });
  const ofB = await make.customer({ branchId: north.id, relationshipManagerId: rmB.id });
  const southern = await make.customer({ branchId: south.id, relationshipManagerId: null });
  return { north, south, rmA, rmB, ofA, ofB, southern };
}

describe('row scope', () => {
  it('shows a relationship manager their own book only, in lookups, lists and counts', async () => {
    const w = await twoBooksInTwoBranches();
    const as = { sub: w.rmA.id, roles: [Role.RELATIONSHIP_MANAGER], branchId: w.north.id };
    expect((await app.gql(byId, { id: w.ofA.id }, { as })).data.customer).toEqual({ id: w.ofA.id });
    expect((await app.gql(byId, { id: w.ofB.id }, { as })).data.customer).toBeNull();
    expect((await app.gql(byNumber, { no: w.ofB.customerNo }, { as })).data.customerByNumber).toBeNull();
    const page = await app.gql(list, { f: { branchIds: [w.north.id, w.south.id] } }, { as });
    expect(ids(page)).toEqual([w.ofA.id]);
    expect(page.data.customers.totalCount).toBe(1);
  });

  it('shows branch staff the customers of their branch', async () => {
    const w = await twoBooksInTwoBranches();
    const as = { sub: staffId('teller-1'), roles: [Role.BRANCH_STAFF], branchId: w.north.id };
    const page = await app.gql(list, { f: { branchIds: [w.north.id, w.south.id] } }, { as });
    expect(ids(page)).toEqual([w.ofA.id, w.ofB.id].sort());
    expect((await app.gql(byId, { id: w.southern.id }, { as })).data.customer).toBeNull();
  });

  it('shows branch staff without a branch claim no one', async () => {
    const w = await twoBooksInTwoBranches();
    const as = { sub: staffId('teller-2'), roles: [Role.BRANCH_STAFF] };
    expect((await app.gql(list, { f: { branchIds: [w.north.id] } }, { as })).data.customers.totalCount).toBe(0);
  });

  it('unites the scopes of several roles', async () => {
    const w = await twoBooksInTwoBranches();
    const as = { sub: w.rmB.id, roles: [Role.RELATIONSHIP_MANAGER, Role.BRANCH_STAFF], branchId: w.south.id };
    const page = await app.gql(list, { f: { branchIds: [w.north.id, w.south.id] } }, { as });
    expect(ids(page)).toEqual([w.ofB.id, w.southern.id].sort());
  });

  it('answers an out-of-scope id exactly as it answers an id that does not exist', async () => {
    const w = await twoBooksInTwoBranches();
    const as = { sub: w.rmA.id, roles: [Role.RELATIONSHIP_MANAGER] };
    const strip = (res: any) => ({ status: res.status, data: res.data, errors: res.errors });
    const outOfScope = await app.gql(byId, { id: w.ofB.id }, { as });
    const missing = await app.gql(byId, { id: '5b0c3f7e-2d7a-4c55-9a1e-3c2b1a0f9e8d' }, { as });
    expect(strip(outOfScope)).toEqual(strip(missing));
    expect(strip(missing)).toEqual({ status: 200, data: { customer: null }, errors: undefined });
  });

  it('refuses an AUM range to callers who see only the band, and lets them filter by band', async () => {
    const agent = { sub: staffId('agent'), roles: [Role.CALL_CENTER_AGENT] };
    const range = await app.gql(`{ customers(filter: { aumMin: "100.00" }) { totalCount } }`, undefined, { as: agent });
    expect(range.errors?.[0].extensions.code).toBe('FORBIDDEN');
    const band = await app.gql(`{ customers(filter: { aumBands: [OVER_6M] }) { totalCount } }`, undefined, {
      as: agent,
    });
    expect(band.errors).toBeUndefined();
  });

  it('lets search match names only for callers who read names in full', async () => {
    const branch = await make.branch();
    const customer = await make.customer({ branchId: branch.id, name: '司马光', customerNo: 'SM001' });
    const search = (term: string, roles: Role[]) =>
      app.gql(list, { f: { branchIds: [branch.id], search: term } }, { as: { sub: staffId('x'), roles } }).then(ids);
    expect(await search('司马', [Role.CALL_CENTER_AGENT])).toEqual([customer.id]);
    expect(await search('司马', [Role.MARKETING_ANALYST])).toEqual([]);
    expect(await search('SM0', [Role.MARKETING_ANALYST])).toEqual([customer.id]);
  });
});

describe('a token with several roles', () => {
  it('reads its own book through the manager column and the rest of the branch through the branch column', async () => {
    const w = await twoBooksInTwoBranches();
    const as = { sub: w.rmA.id, roles: [Role.RELATIONSHIP_MANAGER, Role.BRANCH_STAFF], branchId: w.north.id };
    const query = `query ($id: ID!) { customer(id: $id) { phone aum } }`;
    const own = await app.gql(query, { id: w.ofA.id }, { as });
    expect(own.errors).toBeUndefined();
    expect(own.data.customer).toEqual({ phone: w.ofA.phone, aum: '0.00' });
    const colleagues = await app.gql(query, { id: w.ofB.id }, { as });
    expect(colleagues.data.customer).toEqual({
      phone: `${w.ofB.phone.slice(0, 3)}****${w.ofB.phone.slice(-4)}`,
      aum: null,
    });
    expect(colleagues.errors?.map((e) => e.path?.join('.'))).toEqual(['customer.aum']);
  });

  it('gives a manager who is also an analyst the analyst view outside their book', async () => {
    const w = await twoBooksInTwoBranches();
    const as = { sub: w.rmA.id, roles: [Role.RELATIONSHIP_MANAGER, Role.MARKETING_ANALYST] };
    const res = await app.gql(
      `query ($id: ID!) { customer(id: $id) { name phone interactions { totalCount } } }`,
      { id: w.southern.id },
      { as },
    );
    expect(res.data.customer).toEqual({ name: `${[...w.southern.name][0]}**`, phone: null, interactions: null });
    const own = await app.gql(`query ($id: ID!) { customer(id: $id) { name phone } }`, { id: w.ofA.id }, { as });
    expect(own.data.customer).toEqual({ name: w.ofA.name, phone: w.ofA.phone });
  });

  it('filters by AUM range or searches names only where every role of the token reads them in full', async () => {
    const w = await twoBooksInTwoBranches();
    const as = { sub: w.rmA.id, roles: [Role.RELATIONSHIP_MANAGER, Role.BRANCH_STAFF], branchId: w.north.id };
    const range = await app.gql(`{ customers(filter: { aumMin: "1.00" }) { totalCount } }`, undefined, { as });
    expect(range.errors?.[0].extensions.code).toBe('FORBIDDEN');
  });
});

describe('two roles at once', () => {
  it('never see each other’s values when they query the same customer concurrently', async () => {
    const customer = await make.customer({ phone: '13700001111' });
    const query = `query ($id: ID!) { customer(id: $id) { phone } }`;
    const auditor = { sub: staffId('aud'), roles: [Role.COMPLIANCE_AUDITOR] };
    const agent = { sub: staffId('agent'), roles: [Role.CALL_CENTER_AGENT] };
    const calls = Array.from({ length: 20 }, (_, i) =>
      app.gql(query, { id: customer.id }, { as: i % 2 ? auditor : agent }),
    );
    const phones = (await Promise.all(calls)).map((r) => r.data.customer.phone);
    phones.forEach((phone, i) => expect(phone).toBe(i % 2 ? '13700001111' : '137****1111'));
  });
});

describe('writes by a token with several roles (found by a hostile review)', () => {
  it('reach only the customers of the roles that may make the write', async () => {
    const home = await make.branch();
    const elsewhere = await make.branch();
    const teller = await make.staff({ branchId: home.id });
    const outside = await make.customer({ branchId: elsewhere.id });
    // A risk officer reads every customer but may not update consent: beside branch staff it must not widen the write.
    const mixed = { sub: teller.id, roles: [Role.BRANCH_STAFF, Role.RISK_OFFICER], branchId: home.id };
    const res = await app.gql(
      `mutation ($c: ID!) { updateConsent(customerId: $c, purpose: PERSONALISED_MARKETING, granted: true) { granted } }`,
      { c: outside.id },
      { as: mixed },
    );
    expect(res.errors?.map((e) => e.extensions.code)).toEqual(['NOT_FOUND']);
    expect(await app.ds.query('SELECT count(*)::int AS n FROM consent WHERE customer_id = $1', [outside.id])).toEqual([
      { n: 0 },
    ]);
    const campaign = await make.campaign({ status: 'ACTIVE' as never });
    await make.enrollment(campaign.id, outside.id);
    const check = await app.gql(
      `query ($c: ID!, $k: ID!) { contactCheck(customerId: $c, campaignId: $k, channel: MOBILE_APP) { allowed } }`,
      { c: outside.id, k: campaign.id },
      { as: mixed },
    );
    expect(check.data?.contactCheck).toBeNull();
  });
});
