import { Role } from '../../src/auth/roles';
import { CampaignStatus, EnrollmentStatus } from '../../src/modules/campaign/campaign.enums';
import { Channel } from '../../src/modules/interaction/interaction.enums';
import { countStatements, withoutTransactionControl } from '../support/sql-counter';
import { useTestApp } from '../support/test-app';

// K = 1: these tests read costs and ROI as the manager who records them, over a customer or a few
// (small-cohort suppression: cohort-suppression.test.ts).
const { app, make } = useTestApp({ K_ANONYMITY_MIN: '1' });

const RECORD = `mutation ($campaignId: ID!, $channel: Channel!, $amount: Decimal!, $note: String) {
  recordCampaignCost(campaignId: $campaignId, channel: $channel, amount: $amount, note: $note) {
    id channel amount note recordedAt campaign { id metrics { cost roi } }
  }
}`;
const METRICS = `query ($id: ID!) { campaign(id: $id) { metrics {
  targeted converted revenue cost roi costPerConversion
  byChannel { channel targeted contacted responded converted cost costPerConversion }
} } }`;

async function manager() {
  return { sub: (await make.staff()).id, roles: [Role.MARKETING_MANAGER] };
}

const activeCampaign = (channels = [Channel.MOBILE_APP, Channel.CALL_CENTER]) =>
  make.campaign({ status: CampaignStatus.ACTIVE, channels });

const costsOf = async (campaignId: string) =>
  (await app.ds.query(`SELECT count(*)::int AS n FROM campaign_cost WHERE campaign_id = $1`, [campaignId]))[0].n;

function expectRefused(res: { errors?: { extensions: Record<string, unknown> }[] }, code: string, field?: string) {
  expect(res.errors?.map((e) => ({ code: e.extensions.code, field: e.extensions.field }))).toEqual([{ code, field }]);
}

describe('recordCampaignCost', () => {
  it('records a cost so that ROI is real, and audits it without the note', async () => {
    const as = await manager();
    const campaign = await activeCampaign();
    const customer = await make.customer();
    await make.enrollment(campaign.id, customer.id, { status: EnrollmentStatus.CONVERTED, revenue: '3000.00' });

    const res = await app.gql(
      RECORD,
      { campaignId: campaign.id, channel: 'MOBILE_APP', amount: '1200.5', note: '推送费用 发票 INV-7' },
      { as },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.recordCampaignCost).toMatchObject({
      channel: 'MOBILE_APP',
      amount: '1200.50',
      note: '推送费用 发票 INV-7',
      campaign: { id: campaign.id, metrics: { cost: '1200.50', roi: (3000 - 1200.5) / 1200.5 } },
    });

    const audit = await app.ds.query(
      `SELECT actor_id AS "actorId", detail FROM audit_record WHERE operation = 'recordCampaignCost' AND detail->>'campaignId' = $1`,
      [campaign.id],
    );
    expect(audit).toEqual([
      {
        actorId: as.sub,
        detail: expect.objectContaining({
          campaignId: campaign.id,
          costId: res.data.recordCampaignCost.id,
          channel: 'MOBILE_APP',
          amount: '1200.50',
          noted: true,
        }),
      },
    ]);
    expect(JSON.stringify(audit[0].detail)).not.toContain('INV-7');
  });

  it('adds recorded costs to the cost the campaign already carried', async () => {
    const campaign = await make.campaign({ status: CampaignStatus.COMPLETED, cost: '500.00' });
    const res = await app.gql(
      RECORD,
      { campaignId: campaign.id, channel: 'MOBILE_APP', amount: '250.00' },
      { as: await manager() },
    );
    // Nobody brought revenue, so ROI (−1, which would tell that revenue) is withheld from the manager; cost is not.
    expect(res.errors?.map((e) => [e.extensions.code, e.path?.join('.')])).toEqual([
      ['SUPPRESSED', 'recordCampaignCost.campaign.metrics.roi'],
    ]);
    expect(res.data.recordCampaignCost.campaign.metrics).toEqual({ cost: '750.00', roi: null });
    const forAuditor = await app.gql(`query ($id: ID!) { campaign(id: $id) { metrics { roi } } }`, { id: campaign.id });
    expect(forAuditor.data.campaign.metrics.roi).toBe(-1);
  });

  it('replays the first result for the same Idempotency-Key and input, once written', async () => {
    const as = await manager();
    const campaign = await activeCampaign();
    const headers = { 'idempotency-key': `cost-${campaign.id}` };
    const variables = { campaignId: campaign.id, channel: 'CALL_CENTER', amount: '99.90', note: null };
    const first = await app.gql(RECORD, variables, { as, headers });
    const again = await app.gql(RECORD, variables, { as, headers });
    // Only ROI is withheld from the manager (nobody brought revenue).
    const roiWithheld = [['SUPPRESSED', 'recordCampaignCost.campaign.metrics.roi']];
    expect(first.errors?.map((e) => [e.extensions.code, e.path?.join('.')])).toEqual(roiWithheld);
    expect(again.errors?.map((e) => [e.extensions.code, e.path?.join('.')])).toEqual(roiWithheld);
    expect(again.data).toEqual(first.data);
    expect(await costsOf(campaign.id)).toBe(1);

    const other = await app.gql(RECORD, { ...variables, amount: '100.00' }, { as, headers });
    expectRefused(other, 'CONFLICT');
    expect(await costsOf(campaign.id)).toBe(1);

    // Without a key, each call is a cost of its own.
    await app.gql(RECORD, variables, { as });
    await app.gql(RECORD, variables, { as });
    expect(await costsOf(campaign.id)).toBe(3);
  });

  it('is for marketing managers only', async () => {
    const campaign = await activeCampaign();
    const variables = { campaignId: campaign.id, channel: 'MOBILE_APP', amount: '10.00' };
    for (const role of Object.values(Role).filter((r) => r !== Role.MARKETING_MANAGER && r !== Role.PARTNER)) {
      const res = await app.gql(RECORD, variables, { as: { sub: (await make.staff()).id, roles: [role] } });
      expect({ role, codes: res.errors?.map((e) => e.extensions.code) }).toEqual({ role, codes: ['FORBIDDEN'] });
    }
    const partner = await app.gql(RECORD, variables, {
      as: { sub: 'partner-a', roles: [Role.PARTNER], scopes: ['campaigns:respond'] },
      headers: { 'idempotency-key': `p-${campaign.id}` },
    });
    expect(partner.errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect(await costsOf(campaign.id)).toBe(0);
  });

  it.each([
    ['-1.00', 'amount'],
    ['0.00', 'amount'],
    ['0', 'amount'],
    ['1000000000000.00', 'amount'],
    ['12.345', 'amount'],
    ['abc', 'amount'],
  ])('refuses an amount of %s as BAD_USER_INPUT naming amount', async (amount, field) => {
    const campaign = await activeCampaign();
    const res = await app.gql(
      RECORD,
      { campaignId: campaign.id, channel: 'MOBILE_APP', amount },
      { as: await manager() },
    );
    expectRefused(res, 'BAD_USER_INPUT', field);
    expect(await costsOf(campaign.id)).toBe(0);
  });

  it('takes the largest amount the bounds allow', async () => {
    const campaign = await activeCampaign();
    const res = await app.gql(
      RECORD,
      { campaignId: campaign.id, channel: 'MOBILE_APP', amount: '999999999999.99' },
      { as: await manager() },
    );
    // Only ROI is withheld from the manager (nobody brought revenue).
    expect(res.errors?.map((e) => e.extensions.code)).toEqual(['SUPPRESSED']);
    expect(res.data.recordCampaignCost.amount).toBe('999999999999.99');
  });

  it('refuses a note over 1000 characters, naming note', async () => {
    const campaign = await activeCampaign();
    const res = await app.gql(
      RECORD,
      { campaignId: campaign.id, channel: 'MOBILE_APP', amount: '1.00', note: '费'.repeat(1001) },
      { as: await manager() },
    );
    expectRefused(res, 'BAD_USER_INPUT', 'note');
    expect(await costsOf(campaign.id)).toBe(0);
  });

  it('answers NOT_FOUND for a missing campaign and BAD_USER_INPUT for a malformed id', async () => {
    const as = await manager();
    const missing = await app.gql(
      RECORD,
      { campaignId: '00000000-0000-4000-8000-000000000000', channel: 'MOBILE_APP', amount: '1.00' },
      { as },
    );
    expectRefused(missing, 'NOT_FOUND');
    const malformed = await app.gql(RECORD, { campaignId: 'nope', channel: 'MOBILE_APP', amount: '1.00' }, { as });
    expectRefused(malformed, 'BAD_USER_INPUT', 'campaignId');
  });

  it('refuses a channel the campaign does not use, naming channel', async () => {
    const campaign = await activeCampaign([Channel.MOBILE_APP]);
    const res = await app.gql(
      RECORD,
      { campaignId: campaign.id, channel: 'BRANCH', amount: '1.00' },
      { as: await manager() },
    );
    expectRefused(res, 'BAD_USER_INPUT', 'channel');
    expect(await costsOf(campaign.id)).toBe(0);
  });

  it.each([
    [CampaignStatus.DRAFT, 'CONFLICT'],
    [CampaignStatus.PENDING_APPROVAL, 'CONFLICT'],
    [CampaignStatus.REJECTED, 'CONFLICT'],
    [CampaignStatus.APPROVED, undefined],
    [CampaignStatus.COMPLETED, undefined],
    [CampaignStatus.CANCELLED, undefined],
  ])('on a %s campaign answers %s', async (status, code) => {
    const campaign = await make.campaign({ status, channels: [Channel.MOBILE_APP] });
    const res = await app.gql(
      RECORD,
      { campaignId: campaign.id, channel: 'MOBILE_APP', amount: '5.00' },
      { as: await manager() },
    );
    // Nobody enrolled: the manager's ROI is withheld (its cohort is empty), which is not the refusal under test.
    expect(res.errors?.map((e) => e.extensions.code).filter((c) => c !== 'SUPPRESSED')[0]).toBe(code);
    expect(await costsOf(campaign.id)).toBe(code ? 0 : 1);
  });
});

describe('metrics per channel', () => {
  it('give each channel its funnel, cost and cost per conversion, and the whole', async () => {
    const as = await manager();
    const campaign = await activeCampaign([Channel.MOBILE_APP, Channel.CALL_CENTER, Channel.WECHAT]);
    const app_ = [
      EnrollmentStatus.CONVERTED,
      EnrollmentStatus.CONVERTED,
      EnrollmentStatus.RESPONDED,
      EnrollmentStatus.TARGETED,
    ];
    const call = [EnrollmentStatus.CONVERTED, EnrollmentStatus.CONTACTED, EnrollmentStatus.OPTED_OUT];
    for (const [channel, statuses] of [
      [Channel.MOBILE_APP, app_],
      [Channel.CALL_CENTER, call],
    ] as const) {
      for (const status of statuses) {
        const customer = await make.customer();
        await make.enrollment(campaign.id, customer.id, {
          channel,
          status,
          revenue: status === EnrollmentStatus.CONVERTED ? '1000.00' : '0.00',
        });
      }
    }
    for (const [channel, amount] of [
      ['MOBILE_APP', '300.00'],
      ['MOBILE_APP', '100.01'],
      ['CALL_CENTER', '900.00'],
    ]) {
      const res = await app.gql(RECORD, { campaignId: campaign.id, channel, amount }, { as });
      expect(res.errors).toBeUndefined();
    }

    const res = await app.gql(METRICS, { id: campaign.id });
    expect(res.errors).toBeUndefined();
    expect(res.data.campaign.metrics).toEqual({
      targeted: 7,
      converted: 3,
      revenue: '3000.00',
      cost: '1300.01',
      roi: (3000 - 1300.01) / 1300.01,
      costPerConversion: '433.34',
      byChannel: [
        {
          channel: 'MOBILE_APP',
          targeted: 4,
          contacted: 3,
          responded: 3,
          converted: 2,
          cost: '400.01',
          costPerConversion: '200.01',
        },
        {
          channel: 'CALL_CENTER',
          targeted: 3,
          contacted: 2,
          responded: 1,
          converted: 1,
          cost: '900.00',
          costPerConversion: '900.00',
        },
        // A channel with no one on it and nothing spent is still listed.
        {
          channel: 'WECHAT',
          targeted: 0,
          contacted: 0,
          responded: 0,
          converted: 0,
          cost: '0.00',
          costPerConversion: null,
        },
      ],
    });
  });

  it('load a page of campaigns with their metrics in one statement', async () => {
    const as = await manager();
    for (let i = 0; i < 3; i++) {
      const campaign = await activeCampaign();
      await make.enrollment(campaign.id, (await make.customer()).id, { channel: Channel.CALL_CENTER });
      await app.gql(RECORD, { campaignId: campaign.id, channel: 'MOBILE_APP', amount: '1.00' }, { as });
    }
    const counter = countStatements();
    let res;
    try {
      res = await app.gql(
        `{ campaigns(first: 3) { edges { node { id metrics { cost byChannel { channel targeted cost } } } } } }`,
        {},
      );
    } finally {
      counter.restore();
    }
    expect(res.errors).toBeUndefined();
    expect(res.data.campaigns.edges).toHaveLength(3);
    // One statement reads enrolments and costs for the whole page: no statement per campaign.
    const metrics = withoutTransactionControl(counter.statements).filter((sql) =>
      /campaign_cost|campaign_enrollment/.test(sql),
    );
    expect(metrics).toHaveLength(1);
  });
});
