import { Role } from '../../src/auth/roles';
import { useTestApp } from '../support/test-app';
import { staffId } from '../support/staff-ids';

const { app, make } = useTestApp();

const FIELDS = `id code status`;
const CREATE = `mutation ($input: CampaignInput!) { createCampaign(input: $input) { ${FIELDS} } }`;
const act = (name: string) => `mutation ($id: ID!) { ${name}(id: $id) { ${FIELDS} } }`;

async function managers() {
  const [maker, checker] = [await make.staff(), await make.staff()];
  return {
    maker: { sub: maker.id, roles: [Role.MARKETING_MANAGER] },
    checker: { sub: checker.id, roles: [Role.MARKETING_MANAGER] },
  };
}

let codes = 0;
const plan = (overrides: Record<string, unknown> = {}) => ({
  code: `SPRING-${++codes}`,
  name: '春季理财节',
  targetCriteria: { tiers: ['WEALTH'], aumMin: '500000.00' },
  channels: ['MOBILE_APP', 'WECHAT'],
  budget: '100000.00',
  ...overrides,
});

describe('campaign lifecycle', () => {
  it('runs from plan to completion, each step audited', async () => {
    const { maker, checker } = await managers();
    const created = await app.gql(CREATE, { input: plan() }, { as: maker });
    expect(created.errors).toBeUndefined();
    const id = created.data.createCampaign.id;
    expect(created.data.createCampaign.status).toBe('DRAFT');

    const steps: [string, typeof maker, string][] = [
      ['submitCampaign', maker, 'PENDING_APPROVAL'],
      ['approveCampaign', checker, 'APPROVED'],
      ['launchCampaign', maker, 'ACTIVE'],
      ['completeCampaign', maker, 'COMPLETED'],
    ];
    for (const [mutation, as, status] of steps) {
      const res = await app.gql(act(mutation), { id }, { as });
      expect({ mutation, errors: res.errors }).toEqual({ mutation, errors: undefined });
      expect(res.data[mutation].status).toBe(status);
    }
    const audit = await app.ds.query(
      `SELECT operation, actor_id, detail->>'to' AS "to" FROM audit_record WHERE detail->>'campaignId' = $1 ORDER BY id`,
      [id],
    );
    expect(audit.map((r: any) => r.operation)).toEqual([
      'createCampaign',
      'submitCampaign',
      'approveCampaign',
      'launchCampaign',
      'completeCampaign',
    ]);
    expect(audit[2]).toEqual({ operation: 'approveCampaign', actor_id: checker.sub, to: 'APPROVED' });
  });

  it('answers an illegal transition with CONFLICT and the current state', async () => {
    const { maker } = await managers();
    const id = (await app.gql(CREATE, { input: plan() }, { as: maker })).data.createCampaign.id;
    const res = await app.gql(act('launchCampaign'), { id }, { as: maker });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', currentStatus: 'DRAFT' });
  });

  it('is maker-checker: the creator cannot approve or reject, whatever the letter case of their id', async () => {
    const { maker } = await managers();
    const id = (await app.gql(CREATE, { input: plan() }, { as: maker })).data.createCampaign.id;
    await app.gql(act('submitCampaign'), { id }, { as: maker });
    // The same staff id in upper case is the same person (PRODUCT.md §2), not a second manager.
    const shouting = { ...maker, sub: maker.sub.toUpperCase() };
    for (const mutation of ['approveCampaign', 'rejectCampaign']) {
      for (const as of [maker, shouting]) {
        const res = await app.gql(act(mutation), { id }, { as });
        expect({ mutation, sub: as.sub, codes: res.errors?.map((e) => e.extensions.code) }).toEqual({
          mutation,
          sub: as.sub,
          codes: ['FORBIDDEN'],
        });
      }
    }
    const [row] = await app.ds.query('SELECT status, approved_by FROM campaign WHERE id = $1', [id]);
    expect(row).toEqual({ status: 'PENDING_APPROVAL', approved_by: null });
  });

  it('returns a rejected campaign to draft when it is edited', async () => {
    const { maker, checker } = await managers();
    const id = (await app.gql(CREATE, { input: plan() }, { as: maker })).data.createCampaign.id;
    await app.gql(act('submitCampaign'), { id }, { as: maker });
    await app.gql(act('rejectCampaign'), { id }, { as: checker });
    const edited = await app.gql(
      `mutation ($id: ID!, $input: CampaignInput!) { updateCampaign(id: $id, input: $input) { name status } }`,
      { id, input: plan({ name: '春季理财节（修订）' }) },
      { as: maker },
    );
    expect(edited.data.updateCampaign).toEqual({ name: '春季理财节（修订）', status: 'DRAFT' });
  });

  it('lets exactly one of several concurrent approvals win', async () => {
    const { maker } = await managers();
    const id = (await app.gql(CREATE, { input: plan() }, { as: maker })).data.createCampaign.id;
    await app.gql(act('submitCampaign'), { id }, { as: maker });
    const checkers = await Promise.all(Array.from({ length: 5 }, () => make.staff()));
    const results = await Promise.all(
      checkers.map((c) =>
        app.gql(act('approveCampaign'), { id }, { as: { sub: c.id, roles: [Role.MARKETING_MANAGER] } }),
      ),
    );
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => r.errors?.[0].extensions.code === 'CONFLICT')).toHaveLength(4);
    const [{ count }] = await app.ds.query(
      `SELECT count(*)::int AS count FROM audit_record WHERE operation = 'approveCampaign' AND detail->>'campaignId' = $1`,
      [id],
    );
    expect(count).toBe(1);
  });

  it('names every invalid field as BAD_USER_INPUT without echoing the input, and writes nothing', async () => {
    const { maker } = await managers();
    const res = await app.gql(
      CREATE,
      { input: plan({ code: 'bad code!', channels: [], productId: 'nope' }) },
      { as: maker },
    );
    expect(res.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0].extensions.fields.map((f: any) => f.field).sort()).toEqual([
      'input.channels',
      'input.code',
      'input.productId',
    ]);
    expect(JSON.stringify(res.errors)).not.toContain('bad code!');
    const [{ count }] = await app.ds.query(
      `SELECT count(*)::int AS count FROM campaign WHERE name = '春季理财节' AND code = 'bad code!'`,
    );
    expect(count).toBe(0);
  });

  it('refuses an AUM range upside down, and a duplicate code as CONFLICT', async () => {
    const { maker } = await managers();
    const upsideDown = await app.gql(
      CREATE,
      { input: plan({ targetCriteria: { aumMin: '10.00', aumMax: '1.00' } }) },
      { as: maker },
    );
    expect(upsideDown.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.targetCriteria.aumMax',
    });
    const input = plan();
    await app.gql(CREATE, { input }, { as: maker });
    const again = await app.gql(CREATE, { input }, { as: maker });
    expect(again.errors?.[0].extensions.code).toBe('CONFLICT');
  });

  it('is for marketing managers only', async () => {
    const analyst = { sub: (await make.staff()).id, roles: [Role.MARKETING_ANALYST] };
    const res = await app.gql(CREATE, { input: plan() }, { as: analyst });
    expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
  });
});

describe('campaign metrics', () => {
  it('count the funnel, revenue and ROI in SQL, for marketing, risk and audit only', async () => {
    const campaign = await make.campaign({ cost: '1000.00' });
    const statuses = ['TARGETED', 'CONTACTED', 'RESPONDED', 'CONVERTED', 'OPTED_OUT'] as const;
    for (const status of statuses) {
      const customer = await make.customer();
      await make.enrollment(campaign.id, customer.id, {
        status: status as never,
        revenue: status === 'CONVERTED' ? '2500.00' : '0.00',
      });
    }
    const query = `query ($id: ID!) { campaign(id: $id) { metrics { targeted contacted responded converted participationRate conversionRate revenue cost roi } } }`;
    // A risk officer reads every figure; to marketing, each covers fewer than K_ANONYMITY_MIN (10) customers and is
    // withheld (cohort-suppression.test.ts), but the metrics themselves are readable.
    const analyst = await app.gql(
      query,
      { id: campaign.id },
      { as: { sub: staffId('m'), roles: [Role.MARKETING_ANALYST] } },
    );
    expect(analyst.data.campaign.metrics).toMatchObject({ targeted: null, cost: '1000.00' });
    expect(analyst.errors?.map((e) => e.extensions.code)).toContain('SUPPRESSED');
    const res = await app.gql(query, { id: campaign.id }, { as: { sub: staffId('r'), roles: [Role.RISK_OFFICER] } });
    expect(res.errors).toBeUndefined();
    expect(res.data.campaign.metrics).toEqual({
      targeted: 5,
      contacted: 3,
      responded: 2,
      converted: 1,
      participationRate: 0.4,
      conversionRate: 0.2,
      revenue: '2500.00',
      cost: '1000.00',
      roi: 1.5,
    });
    const agent = await app.gql(
      query,
      { id: campaign.id },
      { as: { sub: staffId('a'), roles: [Role.CALL_CENTER_AGENT] } },
    );
    expect(agent.data.campaign.metrics).toBeNull();
    expect(agent.errors?.[0].extensions.code).toBe('FORBIDDEN');
  });

  it('leave ROI null when the campaign cost nothing', async () => {
    const campaign = await make.campaign();
    const res = await app.gql(`query ($id: ID!) { campaign(id: $id) { metrics { targeted roi } } }`, {
      id: campaign.id,
    });
    expect(res.data.campaign.metrics).toEqual({ targeted: 0, roi: null });
  });
});
