import { CampaignStatus } from '../../src/modules/campaign/campaign.enums';
import { ConsentPurpose } from '../../src/modules/consent/consent.enums';
import { HoldingStatus, ProductType, RiskLevel } from '../../src/modules/holding/holding.enums';
import { Channel, InteractionType } from '../../src/modules/interaction/interaction.enums';
import { CreditGrade, RiskTolerance } from '../../src/modules/risk/risk.enums';
import { KycStatus } from '../../src/modules/customer/customer.enums';
import { TagSource } from '../../src/modules/tag/tag.enums';
import { CUSTOMER_360_FIELDS } from '../support/queries';
import { useTestApp } from '../support/test-app';

const { app, make } = useTestApp();

describe('the 360° view of one customer', () => {
  it('returns profile, relations and derived fields in one request', async () => {
    const branch = await make.branch({ code: 'BJ-CY', name: '北京朝阳支行' });
    const rm = await make.staff({ branchId: branch.id, name: '李经理' });
    const customer = await make.customer({
      branchId: branch.id,
      relationshipManagerId: rm.id,
      name: '王小明',
      birthDate: '1990-03-08',
      phone: '13812345678',
      addressProvince: '北京市',
      addressCity: '北京市',
      addressDistrict: '朝阳区',
      addressStreet: '建国路88号',
    });
    const fund = await make.product({
      code: 'FUND-A',
      name: '稳健债券基金',
      type: ProductType.FUND,
      riskLevel: RiskLevel.R2,
    });
    await make.holding(customer.id, { productId: fund.id, balance: '250000.50', openedOn: '2025-02-01' });
    await make.holding(customer.id, { balance: '1000.00', openedOn: '2023-05-01', status: HoldingStatus.CLOSED });
    const tag = await make.tag({ code: 'STEADY_INVESTOR', name: '稳健投资者' });
    await make.customerTag(customer.id, tag.id);
    const expired = await make.tag({ code: 'OLD_TAG' });
    await make.customerTag(customer.id, expired.id, { expiresAt: new Date('2020-01-01T00:00:00Z') });
    await make.interaction(customer.id, {
      type: InteractionType.INQUIRY,
      occurredAt: new Date('2026-10-01T01:00:00Z'),
    });
    await make.interaction(customer.id, { type: InteractionType.LOGIN, occurredAt: new Date('2026-11-01T01:00:00Z') });
    const campaign = await make.campaign({ code: 'SPRING', status: CampaignStatus.ACTIVE });
    await make.enrollment(campaign.id, customer.id, { channel: Channel.WECHAT });
    await make.riskAssessment(customer.id, {
      riskTolerance: RiskTolerance.C2,
      assessedAt: new Date('2025-01-01T00:00:00Z'),
    });
    await make.riskAssessment(customer.id, { riskTolerance: RiskTolerance.C4, creditGrade: CreditGrade.AA });
    await make.consent(customer.id, { purpose: ConsentPurpose.PARTNER_SHARING, granted: false });

    const res = await app.gql(`query ($id: ID!) { customer(id: $id) { ${CUSTOMER_360_FIELDS} } }`, { id: customer.id });

    expect(res.errors).toBeUndefined();
    const c = res.data.customer;
    expect(c).toMatchObject({
      id: customer.id,
      name: '王小明',
      birthDate: '1990-03-08',
      phone: '13812345678',
      address: '北京市北京市朝阳区建国路88号',
      branch: { id: branch.id, code: 'BJ-CY', name: '北京朝阳支行' },
      relationshipManager: { id: rm.id, name: '李经理' },
      tags: [
        { tag: { code: 'STEADY_INVESTOR', name: '稳健投资者', category: 'BEHAVIOR' }, source: 'RULE', confidence: 0.9 },
      ],
      campaignEnrollments: [
        { status: 'TARGETED', channel: 'WECHAT', campaign: { id: campaign.id, code: 'SPRING', status: 'ACTIVE' } },
      ],
      riskProfile: { riskTolerance: 'C4', creditGrade: 'AA', amlRating: 'LOW', validUntil: '2027-06-01' },
      consents: [{ purpose: 'PARTNER_SHARING', channel: null, granted: false }],
      riskWarnings: [],
    });
    expect(c.holdings.totalCount).toBe(2);
    expect(c.holdings.edges.map((e: any) => e.node.openedAt)).toEqual(['2025-02-01', '2023-05-01']);
    expect(c.holdings.edges[0].node).toMatchObject({
      balance: '250000.50',
      currency: 'CNY',
      product: { code: 'FUND-A', type: 'FUND', riskLevel: 'R2' },
    });
    expect(c.interactions.edges.map((e: any) => e.node.type)).toEqual(['LOGIN', 'INQUIRY']);
    expect(c.interactions.edges[0].node.occurredAt).toBe('2026-11-01T01:00:00.000Z');
  });

  it('warns a front end of age, assessment, KYC and a vulnerable customer before product talk', async () => {
    const vulnerable = await make.tag({ code: 'VULNERABLE_CUSTOMER' });
    const elderly = await make.customer({ birthDate: '1950-02-01', kycStatus: KycStatus.PENDING });
    await make.riskAssessment(elderly.id, { assessedAt: new Date('2024-12-31T02:00:00Z'), validUntil: '2025-12-31' });
    await make.customerTag(elderly.id, vulnerable.id, { source: TagSource.MANUAL });
    const neverAssessed = await make.customer({ birthDate: '1990-01-01' });
    const query = `query ($id: ID!) { customer(id: $id) { riskWarnings } }`;

    expect((await app.gql(query, { id: elderly.id })).data.customer.riskWarnings).toEqual([
      'AGE_65_PLUS',
      'ASSESSMENT_EXPIRED',
      'KYC_NOT_CURRENT',
      'VULNERABLE_CUSTOMER',
    ]);
    expect((await app.gql(query, { id: neverAssessed.id })).data.customer.riskWarnings).toEqual(['NO_ASSESSMENT']);
  });

  it('finds a customer by customer number', async () => {
    const customer = await make.customer();
    const res = await app.gql(`query ($no: String!) { customerByNumber(customerNo: $no) { id customerNo } }`, {
      no: customer.customerNo,
    });
    expect(res.data.customerByNumber).toEqual({ id: customer.id, customerNo: customer.customerNo });
  });

  it('answers null without an error for an id that does not exist', async () => {
    const res = await app.gql(`{ customer(id: "7d9f2a52-5f0e-4c4e-9a57-6f4c2f1b2a10") { id } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.customer).toBeNull();
  });

  it('rejects a malformed id as BAD_USER_INPUT', async () => {
    const res = await app.gql(`{ customer(id: "42") { id } }`);
    expect(res.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0].extensions.requestId).toBe(res.headers.get('x-request-id'));
  });

  it('pages holdings with cursors, newest first', async () => {
    const customer = await make.customer();
    for (const openedOn of ['2021-01-01', '2022-01-01', '2023-01-01']) await make.holding(customer.id, { openedOn });
    const page = (after?: string) =>
      app.gql(
        `query ($id: ID!, $after: String) { customer(id: $id) { holdings(first: 2, after: $after) {
          totalCount edges { node { openedAt } } pageInfo { hasNextPage endCursor } } } }`,
        { id: customer.id, after },
      );
    const first = (await page()).data.customer.holdings;
    expect(first.edges.map((e: any) => e.node.openedAt)).toEqual(['2023-01-01', '2022-01-01']);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await page(first.pageInfo.endCursor)).data.customer.holdings;
    expect(second.edges.map((e: any) => e.node.openedAt)).toEqual(['2021-01-01']);
    expect(second.pageInfo).toEqual({ hasNextPage: false, endCursor: expect.any(String) });
    expect(second.totalCount).toBe(3);
  });

  it('rejects a forged cursor as BAD_USER_INPUT', async () => {
    const customer = await make.customer();
    const forged = Buffer.from(JSON.stringify(["'; DROP TABLE holding; --", 'x'])).toString('base64url');
    const res = await app.gql(
      `query ($id: ID!, $after: String) { customer(id: $id) { holdings(after: $after) { totalCount } } }`,
      {
        id: customer.id,
        after: forged,
      },
    );
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});

describe('catalogues and campaigns', () => {
  it('lists the tag and product catalogues', async () => {
    await make.tag({ code: 'PAYROLL_CUSTOMER', name: '代发工资客户' });
    await make.product({ code: 'GOLD-1', type: ProductType.PRECIOUS_METAL, riskLevel: RiskLevel.R3 });
    const res = await app.gql(`{ tags { code name category } products { code type riskLevel } }`);
    expect(res.data.tags).toContainEqual({ code: 'PAYROLL_CUSTOMER', name: '代发工资客户', category: 'BEHAVIOR' });
    expect(res.data.products).toContainEqual({ code: 'GOLD-1', type: 'PRECIOUS_METAL', riskLevel: 'R3' });
  });

  it('reads a campaign and pages campaigns by status, newest first', async () => {
    const older = await make.campaign({ status: CampaignStatus.APPROVED, createdAt: new Date('2026-01-01T00:00:00Z') });
    const newer = await make.campaign({ status: CampaignStatus.APPROVED, createdAt: new Date('2026-02-01T00:00:00Z') });
    await make.campaign({ status: CampaignStatus.DRAFT });

    const one = await app.gql(
      `query ($id: ID!) { campaign(id: $id) { code status channels targetCriteria { tiers aumMin } } }`,
      {
        id: older.id,
      },
    );
    expect(one.data.campaign).toEqual({
      code: older.code,
      status: 'APPROVED',
      channels: ['MOBILE_APP'],
      targetCriteria: { tiers: [], aumMin: null },
    });

    const first = await app.gql(
      `{ campaigns(status: APPROVED, first: 1) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }`,
    );
    expect(first.data.campaigns.totalCount).toBe(2);
    expect(first.data.campaigns.edges[0].node.id).toBe(newer.id);
    const second = await app.gql(
      `query ($after: String) { campaigns(status: APPROVED, first: 1, after: $after) { edges { node { id } } pageInfo { hasNextPage } } }`,
      {
        after: first.data.campaigns.pageInfo.endCursor,
      },
    );
    expect(second.data.campaigns.edges[0].node.id).toBe(older.id);
    expect(second.data.campaigns.pageInfo.hasNextPage).toBe(false);
  });
});
