import { Role } from '../../src/auth/roles';
import { ConsentPurpose } from '../../src/modules/consent/consent.enums';
import { KycStatus, Tier } from '../../src/modules/customer/customer.enums';
import { RiskLevel } from '../../src/modules/holding/holding.enums';
import { AmlRating, RiskTolerance } from '../../src/modules/risk/risk.enums';
import { enrollAndWait } from '../support/enrollment-runs';
import { AUDITOR, useTestApp } from '../support/test-app';

const { app, make } = useTestApp({}, { enrollmentRuns: true });

const FIELDS = `id status messages { channel text } riskDisclosure approvedBy rejectedBy rejectionReason`;
const CREATE = `mutation ($input: CampaignInput!) { createCampaign(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation ($id: ID!, $input: CampaignInput!) { updateCampaign(id: $id, input: $input) { ${FIELDS} } }`;
const act = (name: string) => `mutation ($id: ID!) { ${name}(id: $id) { ${FIELDS} } }`;
const REJECT = `mutation ($id: ID!, $reason: String) { rejectCampaign(id: $id, reason: $reason) { ${FIELDS} } }`;
const READ = `query ($id: ID!) { campaign(id: $id) { ${FIELDS} } }`;

type Claims = { sub: string; roles: Role[]; branchId?: string };
let maker: Claims;
let checker: Claims;

beforeAll(async () => {
  maker = { sub: (await make.staff()).id, roles: [Role.MARKETING_MANAGER] };
  checker = { sub: (await make.staff()).id, roles: [Role.MARKETING_MANAGER] };
});

let codes = 0;
const plan = (overrides: Record<string, unknown> = {}) => ({
  code: `CONTENT-${++codes}`,
  name: '短信理财推介',
  targetCriteria: { tiers: ['WEALTH'] },
  channels: ['SMS', 'CALL_CENTER'],
  ...overrides,
});

async function draft(overrides: Record<string, unknown> = {}) {
  const res = await app.gql(CREATE, { input: plan(overrides) }, { as: maker });
  expect(res.errors).toBeUndefined();
  return res.data.createCampaign;
}

const submit = (id: string) => app.gql(act('submitCampaign'), { id }, { as: maker });

describe('campaign content', () => {
  it('is stored per channel with the risk disclosure and read back on the campaign', async () => {
    const messages = [
      { channel: 'SMS', text: '【某银行】稳健理财新品上市，详询客户经理。拒收请回复R' },
      { channel: 'CALL_CENTER', text: '您好，我是某银行客服，向您介绍一款理财产品……' },
    ];
    const created = await draft({ messages, riskDisclosure: '理财非存款，产品有风险，投资须谨慎' });
    expect(created).toMatchObject({ status: 'DRAFT', messages, riskDisclosure: '理财非存款，产品有风险，投资须谨慎' });
    const read = await app.gql(READ, { id: created.id }, { as: maker });
    expect(read.data.campaign.messages).toEqual(messages);
  });

  it('refuses a message on a channel the campaign does not use, or two on one channel, naming the field', async () => {
    const elsewhere = await app.gql(
      CREATE,
      { input: plan({ messages: [{ channel: 'WECHAT', text: '你好' }] }) },
      { as: maker },
    );
    expect(elsewhere.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.messages[0].channel',
    });
    const twice = await app.gql(
      CREATE,
      {
        input: plan({
          messages: [
            { channel: 'SMS', text: 'a' },
            { channel: 'SMS', text: 'b' },
          ],
        }),
      },
      { as: maker },
    );
    expect(twice.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.messages[1].channel' });
    const long = await app.gql(CREATE, { input: plan({ riskDisclosure: '险'.repeat(2001) }) }, { as: maker });
    expect(long.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const [{ count }] = await app.ds.query(
      `SELECT count(*)::int AS count FROM campaign WHERE name = '短信理财推介' AND messages @> '[{"channel":"WECHAT"}]'`,
    );
    expect(count).toBe(0);
  });

  it.each([
    ['simplified', '本产品保本保息，欢迎咨询', '保本'],
    ['traditional', '本產品穩賺不賠', '稳赚'],
    ['full-width, spaced', 'ＶＩＰ专享：零 风 险！', '零风险'],
    ['traditional with punctuation between', '高收益、無風險', '高收益无风险'],
  ])('refuses to submit a %s forbidden claim, naming the phrase and the message', async (_form, text, phrase) => {
    const campaign = await draft({
      messages: [
        { channel: 'CALL_CENTER', text: '您好' },
        { channel: 'SMS', text },
      ],
    });
    const res = await submit(campaign.id);
    expect(res.data).toBeNull();
    expect(res.errors?.[0].message).toContain(`"${phrase}"`);
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'messages[1].text', phrase });
    // Nothing moved: still a draft, and no audit record of a submission.
    expect((await app.gql(READ, { id: campaign.id }, { as: maker })).data.campaign.status).toBe('DRAFT');
    const audits = await app.ds.query(
      `SELECT 1 FROM audit_record WHERE operation = 'submitCampaign' AND detail->>'campaignId' = $1`,
      [campaign.id],
    );
    expect(audits).toHaveLength(0);
  });

  it('checks the risk disclosure for forbidden claims too', async () => {
    const campaign = await draft({ riskDisclosure: '本理财计划零風險' });
    expect((await submit(campaign.id)).errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'riskDisclosure',
      phrase: '零风险',
    });
  });

  it('requires a risk disclosure to submit a campaign whose product is above R1, and not for an R1 product', async () => {
    const fund = await make.product({ riskLevel: RiskLevel.R3 });
    const withoutDisclosure = await draft({ productId: fund.id, riskDisclosure: '  ' });
    const refused = await submit(withoutDisclosure.id);
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'riskDisclosure' });
    expect(refused.errors?.[0].message).toContain('riskDisclosure');

    const withDisclosure = await draft({ productId: fund.id, riskDisclosure: '产品有风险，投资须谨慎' });
    expect((await submit(withDisclosure.id)).data.submitCampaign.status).toBe('PENDING_APPROVAL');

    const deposit = await make.product({ riskLevel: RiskLevel.R1 });
    const plain = await draft({ productId: deposit.id });
    expect((await submit(plain.id)).data.submitCampaign.status).toBe('PENDING_APPROVAL');
  });

  it('shows who approved it', async () => {
    const campaign = await draft({ messages: [{ channel: 'SMS', text: '新客专享理财，详询客户经理' }] });
    await submit(campaign.id);
    const approved = await app.gql(act('approveCampaign'), { id: campaign.id }, { as: checker });
    expect(approved.data.approveCampaign).toMatchObject({
      status: 'APPROVED',
      approvedBy: checker.sub,
      rejectedBy: null,
    });
  });

  it('shows who rejected it and why, until the maker edits it back to DRAFT', async () => {
    const campaign = await draft();
    await submit(campaign.id);
    const rejected = await app.gql(REJECT, { id: campaign.id, reason: '请补充风险提示' }, { as: checker });
    expect(rejected.data.rejectCampaign).toMatchObject({
      status: 'REJECTED',
      rejectedBy: checker.sub,
      rejectionReason: '请补充风险提示',
      approvedBy: null,
    });
    const read = await app.gql(READ, { id: campaign.id }, { as: { sub: maker.sub, roles: [Role.MARKETING_ANALYST] } });
    expect(read.data.campaign).toMatchObject({ rejectedBy: checker.sub, rejectionReason: '请补充风险提示' });
    const [audit] = await app.ds.query(
      `SELECT detail->>'reason' AS reason FROM audit_record WHERE operation = 'rejectCampaign' AND detail->>'campaignId' = $1`,
      [campaign.id],
    );
    expect(audit.reason).toBe('请补充风险提示');

    const edited = await app.gql(
      UPDATE,
      { id: campaign.id, input: plan({ riskDisclosure: '产品有风险' }) },
      { as: maker },
    );
    expect(edited.data.updateCampaign).toMatchObject({ status: 'DRAFT', rejectedBy: null, rejectionReason: null });
  });

  it('refuses a rejection reason over 1,000 characters, leaving the campaign pending', async () => {
    const campaign = await draft();
    await submit(campaign.id);
    const res = await app.gql(REJECT, { id: campaign.id, reason: '理'.repeat(1001) }, { as: checker });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
    expect((await app.gql(READ, { id: campaign.id }, { as: maker })).data.campaign.status).toBe('PENDING_APPROVAL');
  });
});

describe('the SMS channel', () => {
  it('has its own marketing consent, and a customer who gave only it is enrolled on SMS', async () => {
    const branch = await make.branch();
    const rm = await make.staff({ branchId: branch.id });
    const customer = await make.customer({
      branchId: branch.id,
      relationshipManagerId: rm.id,
      tier: Tier.WEALTH,
      kycStatus: KycStatus.VERIFIED,
      birthDate: '1980-01-01',
    });
    await make.consent(customer.id, { purpose: ConsentPurpose.PERSONALISED_MARKETING, channel: null });
    await make.riskAssessment(customer.id, {
      riskTolerance: RiskTolerance.C4,
      validUntil: '2099-01-01',
      assessedAt: new Date('2019-01-01T00:00:00Z'),
      amlRating: AmlRating.LOW,
    });
    const asRm = { sub: rm.id, roles: [Role.RELATIONSHIP_MANAGER], branchId: branch.id };
    const consent = await app.gql(
      `mutation ($c: ID!) { updateConsent(customerId: $c, purpose: MARKETING, channel: SMS, granted: true) { channel purpose granted } }`,
      { c: customer.id },
      { as: asRm },
    );
    expect(consent.errors).toBeUndefined();
    expect(consent.data.updateConsent).toEqual({ channel: 'SMS', purpose: 'MARKETING', granted: true });

    const campaign = await draft({
      channels: ['MOBILE_APP', 'SMS'],
      messages: [{ channel: 'SMS', text: '【某银行】理财节开幕' }],
    });
    await submit(campaign.id);
    await app.gql(act('approveCampaign'), { id: campaign.id }, { as: checker });
    // Read by an auditor: the maker's count of one customer is withheld (small-cohort suppression).
    const run = await enrollAndWait(app, { c: campaign.id, ids: [customer.id] }, maker, 'enrolled', {
      readAs: AUDITOR,
    });
    expect(run.errors).toBeUndefined();
    expect(run.data.enrollCustomers).toMatchObject({ status: 'SUCCEEDED', enrolled: 1 });

    const view = await app.gql(
      `query ($id: ID!) { customer(id: $id) { consents { purpose channel granted } campaignEnrollments { channel status } } }`,
      { id: customer.id },
      { as: asRm },
    );
    expect(view.data.customer.consents).toContainEqual({ purpose: 'MARKETING', channel: 'SMS', granted: true });
    expect(view.data.customer.campaignEnrollments).toEqual([{ channel: 'SMS', status: 'TARGETED' }]);
  });

  it('is not a consent for the other channels: without SMS consent an SMS-only campaign skips the customer', async () => {
    const customer = await make.customer({ tier: Tier.WEALTH, birthDate: '1980-01-01' });
    await make.consent(customer.id, { purpose: ConsentPurpose.PERSONALISED_MARKETING, channel: null });
    await make.consent(customer.id, { purpose: ConsentPurpose.MARKETING }); // MOBILE_APP only
    await make.riskAssessment(customer.id, {
      riskTolerance: RiskTolerance.C4,
      validUntil: '2099-01-01',
      assessedAt: new Date('2019-01-01T00:00:00Z'),
      amlRating: AmlRating.LOW,
    });
    const campaign = await draft({ channels: ['SMS'] });
    await submit(campaign.id);
    await app.gql(act('approveCampaign'), { id: campaign.id }, { as: checker });
    const run = await enrollAndWait(
      app,
      { c: campaign.id, ids: [customer.id] },
      maker,
      'enrolled skipped { reason count }',
      { readAs: AUDITOR },
    );
    expect(run.data.enrollCustomers).toMatchObject({ enrolled: 0, skipped: [{ reason: 'NO_CONSENT', count: 1 }] });
  });
});
