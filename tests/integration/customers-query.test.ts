import { Tier } from '../../src/modules/customer/customer.enums';
import { RiskTolerance } from '../../src/modules/risk/risk.enums';
import { BranchEntity } from '../../src/modules/organisation/branch.entity';
import { useTestApp } from '../support/test-app';

const { app, make } = useTestApp();

/** Each test works inside a branch of its own, so the tests' customers never mix. */
async function customersOf(
  branch: BranchEntity,
  filter: Record<string, unknown> = {},
  page: { first?: number; after?: string } = {},
) {
  const res = await app.gql(
    `query ($filter: CustomerFilter, $first: Int, $after: String) {
      customers(filter: $filter, first: $first, after: $after) {
        totalCount edges { cursor node { customerNo } } pageInfo { hasNextPage endCursor }
      }
    }`,
    { filter: { branchIds: [branch.id], ...filter }, ...page },
  );
  expect(res.errors).toBeUndefined();
  return res.data.customers;
}

const numbers = (conn: any) => conn.edges.map((e: any) => e.node.customerNo);

describe('customers', () => {
  it('pages by customer number with a total count', async () => {
    const branch = await make.branch();
    for (const no of ['K003', 'K001', 'K002']) await make.customer({ branchId: branch.id, customerNo: no });

    const first = await customersOf(branch, {}, { first: 2 });
    expect(numbers(first)).toEqual(['K001', 'K002']);
    expect(first.totalCount).toBe(3);
    expect(first.pageInfo.hasNextPage).toBe(true);

    const second = await customersOf(branch, {}, { first: 2, after: first.pageInfo.endCursor });
    expect(numbers(second)).toEqual(['K003']);
    expect(second.pageInfo.hasNextPage).toBe(false);
  });

  it('returns 20 customers when first is omitted', async () => {
    const branch = await make.branch();
    for (let i = 0; i < 21; i++) await make.customer({ branchId: branch.id });
    const page = await customersOf(branch);
    expect(page.edges).toHaveLength(20);
    expect(page.pageInfo.hasNextPage).toBe(true);
  });

  it('refuses first above 100 or below 0 as BAD_USER_INPUT', async () => {
    for (const first of [101, -1]) {
      const res = await app.gql(`query ($first: Int) { customers(first: $first) { totalCount } }`, { first });
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    }
  });

  it('filters by tier and lifecycle stage', async () => {
    const branch = await make.branch();
    await make.customer({ branchId: branch.id, customerNo: 'T1', tier: Tier.WEALTH });
    await make.customer({ branchId: branch.id, customerNo: 'T2', tier: Tier.MASS });
    expect(numbers(await customersOf(branch, { tiers: ['WEALTH', 'PRIVATE_BANKING'] }))).toEqual(['T1']);
    expect(numbers(await customersOf(branch, { lifecycleStages: ['DORMANT'] }))).toEqual([]);
  });

  it('keeps customers that hold every requested tag, ignoring expired tags', async () => {
    const branch = await make.branch();
    const [steady, payroll] = [await make.tag(), await make.tag()];
    const both = await make.customer({ branchId: branch.id, customerNo: 'G1' });
    const one = await make.customer({ branchId: branch.id, customerNo: 'G2' });
    const expired = await make.customer({ branchId: branch.id, customerNo: 'G3' });
    await make.customerTag(both.id, steady.id);
    await make.customerTag(both.id, payroll.id);
    await make.customerTag(one.id, steady.id);
    await make.customerTag(expired.id, steady.id);
    await make.customerTag(expired.id, payroll.id, { expiresAt: new Date('2021-01-01T00:00:00Z') });

    const page = await customersOf(branch, { tagCodes: [steady.code, payroll.code] });
    expect(numbers(page)).toEqual(['G1']);
    expect(page.totalCount).toBe(1);
  });

  it('filters by minimum risk tolerance, treating an expired assessment as unknown', async () => {
    const branch = await make.branch();
    const current = await make.customer({ branchId: branch.id, customerNo: 'R1' });
    const expired = await make.customer({ branchId: branch.id, customerNo: 'R2' });
    const low = await make.customer({ branchId: branch.id, customerNo: 'R3' });
    const superseded = await make.customer({ branchId: branch.id, customerNo: 'R4' });
    await make.riskAssessment(current.id, { riskTolerance: RiskTolerance.C4, validUntil: '2099-01-01' });
    await make.riskAssessment(expired.id, {
      riskTolerance: RiskTolerance.C5,
      assessedAt: new Date('2020-01-01T00:00:00Z'),
      validUntil: '2021-01-01',
    });
    await make.riskAssessment(low.id, { riskTolerance: RiskTolerance.C2, validUntil: '2099-01-01' });
    // The older, higher assessment no longer counts once a newer one exists.
    await make.riskAssessment(superseded.id, {
      riskTolerance: RiskTolerance.C5,
      assessedAt: new Date('2025-01-01T00:00:00Z'),
      validUntil: '2099-01-01',
    });
    await make.riskAssessment(superseded.id, {
      riskTolerance: RiskTolerance.C1,
      assessedAt: new Date('2026-01-01T00:00:00Z'),
      validUntil: '2099-01-01',
    });

    expect(numbers(await customersOf(branch, { minRiskTolerance: 'C3' }))).toEqual(['R1']);
  });

  it('filters by AUM range or by AUM band, but not both', async () => {
    const branch = await make.branch();
    await make.customer({ branchId: branch.id, customerNo: 'A1', aum: '49999.99' });
    await make.customer({ branchId: branch.id, customerNo: 'A2', aum: '50000.00' });
    await make.customer({ branchId: branch.id, customerNo: 'A3', aum: '6000000.00' });

    expect(numbers(await customersOf(branch, { aumMin: '50000.00', aumMax: '6000000.00' }))).toEqual(['A2']);
    expect(numbers(await customersOf(branch, { aumBands: ['UNDER_50K', 'OVER_6M'] }))).toEqual(['A1', 'A3']);

    const res = await app.gql(`{ customers(filter: { aumMin: "1.00", aumBands: [OVER_6M] }) { totalCount } }`);
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.aumBands' });
  });

  it('searches by prefix of name or customer number, with wildcards taken literally', async () => {
    const branch = await make.branch();
    await make.customer({ branchId: branch.id, customerNo: 'S100', name: '欧阳娜娜' });
    await make.customer({ branchId: branch.id, customerNo: 'S200', name: '李欧' });
    await make.customer({ branchId: branch.id, customerNo: 'S_300', name: '陈晨' });

    expect(numbers(await customersOf(branch, { search: '欧阳' }))).toEqual(['S100']);
    expect(numbers(await customersOf(branch, { search: 'S2' }))).toEqual(['S200']);
    expect(numbers(await customersOf(branch, { search: 'S_' }))).toEqual(['S_300']);
  });

  it('rejects a malformed branch id as BAD_USER_INPUT', async () => {
    const res = await app.gql(`{ customers(filter: { branchIds: ["nope"] }) { totalCount } }`);
    expect(res.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
  });
});
