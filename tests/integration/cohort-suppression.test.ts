import { Role } from '../../src/auth/roles';
import { CampaignStatus, EnrollmentStatus } from '../../src/modules/campaign/campaign.enums';
import { ConsentPurpose } from '../../src/modules/consent/consent.enums';
import { ChurnSignal, Tier } from '../../src/modules/customer/customer.enums';
import { Channel } from '../../src/modules/interaction/interaction.enums';
import { TaskOutcome, TaskReason, TaskStatus } from '../../src/modules/task/task.enums';
import { staffId } from '../support/staff-ids';
import { GraphQLResponse, useTestApp } from '../support/test-app';

/**
 * Small-cohort suppression (issue 20, part 3) through HTTP: with K = 3, an
 * aggregate over fewer than 3 customers is withheld from marketing roles
 * (null with SUPPRESSED at its path), and so is a customer list whose filter
 * matches fewer; risk officers and auditors get the figures.
 */
const K = 3;
const { app, make } = useTestApp({ K_ANONYMITY_MIN: String(K), MAX_BATCH_OPERATIONS: '2' });

const ANALYST = { sub: staffId('cohort-analyst'), roles: [Role.MARKETING_ANALYST] };
const MANAGER = { sub: staffId('cohort-manager'), roles: [Role.MARKETING_MANAGER] };
const RISK = { sub: staffId('cohort-risk'), roles: [Role.RISK_OFFICER] };
const AUDITOR = { sub: staffId('cohort-auditor'), roles: [Role.COMPLIANCE_AUDITOR] };

const suppressedPaths = (res: GraphQLResponse) =>
  (res.errors ?? []).filter((e) => e.extensions.code === 'SUPPRESSED').map((e) => e.path?.join('.'));

function expectNoCountIn(res: GraphQLResponse) {
  for (const error of res.errors ?? []) {
    expect(error.extensions).toMatchObject({ code: 'SUPPRESSED', minimum: K });
    // The message names the threshold, never the count it withholds.
    expect(error.message.replace(String(K), '')).not.toMatch(/\d/);
  }
}

describe('customers', () => {
  const LIST = `query ($branchIds: [ID!]) {
    customers(filter: { branchIds: $branchIds }) { totalCount edges { node { customerNo } } pageInfo { hasNextPage } }
  }`;

  async function branchOf(customers: number) {
    const branch = await make.branch();
    for (let i = 0; i < customers; i++) await make.customer({ branchId: branch.id });
    return branch;
  }

  it('gives a marketing role no rows, and no count, for a filter matching fewer than K customers', async () => {
    const branch = await branchOf(K - 1);
    const res = await app.gql(LIST, { branchIds: [branch.id] }, { as: ANALYST });
    expect(res.data.customers).toEqual({ totalCount: null, edges: [], pageInfo: { hasNextPage: false } });
    expect(suppressedPaths(res).sort()).toEqual(['customers', 'customers.totalCount']);
    expectNoCountIn(res);
  });

  it('gives each operation of a batched request the SUPPRESSED errors of its own lists only', async () => {
    const [small, large] = [await branchOf(K - 1), await branchOf(K)];
    const res = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await app.token(ANALYST)}` },
      body: JSON.stringify([
        { query: LIST, variables: { branchIds: [small.id] } },
        { query: LIST, variables: { branchIds: [large.id] } },
      ]),
    });
    const [withheld, answered] = (await res.json()) as GraphQLResponse[];
    expect(suppressedPaths(withheld).sort()).toEqual(['customers', 'customers.totalCount']);
    expect(answered.errors).toBeUndefined();
    expect(answered.data.customers.totalCount).toBe(K);
  });

  it('withholds an empty match too: "fewer than K" includes 0', async () => {
    const branch = await make.branch();
    const res = await app.gql(LIST, { branchIds: [branch.id] }, { as: MANAGER });
    expect(res.data.customers.totalCount).toBeNull();
    expect(suppressedPaths(res).sort()).toEqual(['customers', 'customers.totalCount']);
  });

  it('answers the list and its count from K customers on', async () => {
    const branch = await branchOf(K);
    const res = await app.gql(LIST, { branchIds: [branch.id] }, { as: ANALYST });
    expect(res.errors).toBeUndefined();
    expect(res.data.customers.totalCount).toBe(K);
    expect(res.data.customers.edges).toHaveLength(K);
  });

  it('never withholds from risk officers and auditors, nor from a token that holds one beside a marketing role', async () => {
    const branch = await branchOf(1);
    for (const as of [
      RISK,
      AUDITOR,
      { sub: staffId('cohort-both'), roles: [Role.MARKETING_ANALYST, Role.RISK_OFFICER] },
    ]) {
      const res = await app.gql(LIST, { branchIds: [branch.id] }, { as });
      expect(res.errors).toBeUndefined();
      expect(res.data.customers.totalCount).toBe(1);
      expect(res.data.customers.edges).toHaveLength(1);
    }
  });

  it('counts the cohort within the marketing row scope: customers who withdrew personalised marketing do not make it up', async () => {
    const branch = await branchOf(K);
    const [withdrawn] = await app.ds.query(`SELECT id FROM customer WHERE branch_id = $1 LIMIT 1`, [branch.id]);
    await make.consent(withdrawn.id, { purpose: ConsentPurpose.PERSONALISED_MARKETING, channel: null, granted: false });
    const res = await app.gql(LIST, { branchIds: [branch.id] }, { as: ANALYST });
    expect(res.data.customers.edges).toEqual([]);
    expect(suppressedPaths(res)).toContain('customers.totalCount');
    expect((await app.gql(LIST, { branchIds: [branch.id] }, { as: AUDITOR })).data.customers.totalCount).toBe(K);
  });

  it('withholds every page of a small cohort, not only the first', async () => {
    const branch = await branchOf(K - 1);
    const res = await app.gql(
      `query ($branchIds: [ID!], $after: String) {
        customers(first: 1, after: $after, filter: { branchIds: $branchIds }) { edges { node { id } } }
      }`,
      { branchIds: [branch.id], after: Buffer.from(JSON.stringify(['C'])).toString('base64url') },
      { as: ANALYST },
    );
    expect(res.data.customers.edges).toEqual([]);
    expect(suppressedPaths(res)).toEqual(['customers']);
  });
});

describe('campaign metrics', () => {
  const METRICS = `query ($id: ID!) {
    campaign(id: $id) {
      metrics {
        targeted contacted responded converted participationRate conversionRate revenue cost roi costPerConversion
        byChannel { channel targeted contacted responded converted cost costPerConversion }
      }
    }
  }`;

  /** MOBILE_APP: 3 enrolled, all responded, one converted with revenue; WECHAT: 1 enrolled. */
  async function campaignWithFunnel() {
    const campaign = await make.campaign({
      status: CampaignStatus.ACTIVE,
      channels: [Channel.MOBILE_APP, Channel.WECHAT],
      cost: '100.00',
    });
    const statuses = [EnrollmentStatus.RESPONDED, EnrollmentStatus.RESPONDED, EnrollmentStatus.CONVERTED];
    for (const status of statuses) {
      const customer = await make.customer();
      await make.enrollment(campaign.id, customer.id, {
        status,
        revenue: status === EnrollmentStatus.CONVERTED ? '500.00' : '0.00',
      });
    }
    const other = await make.customer();
    await make.enrollment(campaign.id, other.id, { channel: Channel.WECHAT });
    return campaign;
  }

  it('withholds each cell over fewer than K customers from marketing, the channel cells the totals would tell, and the rates and ratios that would tell either', async () => {
    const campaign = await campaignWithFunnel();
    const res = await app.gql(METRICS, { id: campaign.id }, { as: ANALYST });
    // The totals nest (converted ≤ responded ≤ contacted ≤ targeted): converted is only bounded, to 0–3.
    expect(res.data.campaign.metrics).toEqual({
      targeted: 4,
      contacted: 3,
      responded: 3,
      converted: null,
      participationRate: 0.75,
      conversionRate: null,
      revenue: null,
      cost: '100.00', // the bank's spending, over no customer
      roi: null,
      costPerConversion: null,
      byChannel: [
        {
          // 4 targeted minus MOBILE_APP's 3 would tell WECHAT's 1; 3 contacted minus 3, WECHAT's 0.
          channel: 'MOBILE_APP',
          targeted: null,
          contacted: null,
          responded: null,
          converted: null,
          cost: '0.00',
          costPerConversion: null,
        },
        {
          channel: 'WECHAT',
          targeted: null,
          contacted: null,
          responded: null,
          converted: null,
          cost: '0.00',
          costPerConversion: null,
        },
      ],
    });
    expect(suppressedPaths(res).sort()).toEqual(
      [
        'campaign.metrics.converted',
        'campaign.metrics.conversionRate',
        'campaign.metrics.revenue',
        'campaign.metrics.roi',
        'campaign.metrics.costPerConversion',
        ...['targeted', 'contacted', 'responded', 'converted', 'costPerConversion'].flatMap((cell) => [
          `campaign.metrics.byChannel.0.${cell}`,
          `campaign.metrics.byChannel.1.${cell}`,
        ]),
      ].sort(),
    );
    expectNoCountIn(res);
  });

  it('leaves marketing no channel count to recover by subtraction: with one channel small, the next smallest is withheld too', async () => {
    const channels = [Channel.MOBILE_APP, Channel.WECHAT, Channel.SMS];
    const campaign = await make.campaign({ status: CampaignStatus.ACTIVE, channels });
    const sizes = [K + 1, K, 1];
    // Every step of a channel's funnel the same size (all converted), so only the channels' sizes decide.
    for (const [i, n] of sizes.entries())
      for (let j = 0; j < n; j++)
        await make.enrollment(campaign.id, (await make.customer()).id, {
          channel: channels[i],
          status: EnrollmentStatus.CONVERTED,
          revenue: '1.00',
        });
    const TARGETED = `query ($id: ID!) { campaign(id: $id) { metrics { targeted byChannel { channel targeted } } } }`;

    const res = await app.gql(TARGETED, { id: campaign.id }, { as: ANALYST });
    // 8 − 4 tells WECHAT and SMS together (4), neither alone.
    expect(res.data.campaign.metrics).toEqual({
      targeted: 2 * K + 2,
      byChannel: [
        { channel: 'MOBILE_APP', targeted: K + 1 },
        { channel: 'WECHAT', targeted: null },
        { channel: 'SMS', targeted: null },
      ],
    });
    expect(suppressedPaths(res).sort()).toEqual([
      'campaign.metrics.byChannel.1.targeted',
      'campaign.metrics.byChannel.2.targeted',
    ]);
    expectNoCountIn(res);

    for (const as of [RISK, AUDITOR]) {
      const exact = await app.gql(TARGETED, { id: campaign.id }, { as });
      expect(exact.errors).toBeUndefined();
      expect(exact.data.campaign.metrics.byChannel.map((c: { targeted: number }) => c.targeted)).toEqual(sizes);
    }
  });

  it('gives risk officers and auditors every figure', async () => {
    const campaign = await campaignWithFunnel();
    for (const as of [RISK, AUDITOR]) {
      const res = await app.gql(METRICS, { id: campaign.id }, { as });
      expect(res.errors).toBeUndefined();
      expect(res.data.campaign.metrics).toMatchObject({
        targeted: 4,
        converted: 1,
        conversionRate: 0.25,
        revenue: '500.00',
        roi: 4,
        costPerConversion: '100.00',
      });
      expect(res.data.campaign.metrics.byChannel[1]).toMatchObject({ channel: 'WECHAT', targeted: 1 });
    }
  });
});

describe('churn report', () => {
  const REPORT = `query ($from: Date!, $to: Date!) {
    churnReport(from: $from, to: $to) {
      episodes episodesEnded openTasks completedTasks
      byTier { tier count } bySignal { signal count } byOutcome { outcome count } byReason { reason count }
    }
  }`;
  // A day of its own: only this test's episodes start on it.
  const day = '2032-05-12';
  const at = new Date('2032-05-12T04:00:00Z');

  it('withholds from marketing each count over fewer than K distinct customers, listing every value in order', async () => {
    const branch = await make.branch();
    const rm = await make.staff({ branchId: branch.id });
    const owned = { branchId: branch.id, relationshipManagerId: rm.id };
    for (let i = 0; i < K; i++) await make.retentionTask(await make.customer(owned), { openedAt: at });
    // One customer who churned twice in the period: two episodes, one customer.
    const twice = await make.customer(owned);
    for (const ended of [new Date(at.getTime() + 1000), null]) {
      await make.retentionTask(
        twice,
        {
          openedAt: at,
          status: ended ? TaskStatus.COMPLETED : TaskStatus.OPEN,
          outcome: ended ? TaskOutcome.RETAINED : null,
          reason: ended ? TaskReason.PRICE : null,
          completedAt: ended,
          completedBy: ended ? rm.id : null,
        },
        { tier: Tier.WEALTH, signals: [ChurnSignal.AUM_DROP], endedAt: ended },
      );
    }

    const res = await app.gql(REPORT, { from: day, to: day }, { as: ANALYST });
    const report = res.data.churnReport;
    // openTasks: episodes minus it would tell completedTasks (1). MASS: episodes minus it would tell the
    // other tiers together, 1 customer (WEALTH's), the sum of withheld cells being a count of its own.
    expect(report).toMatchObject({ episodes: K + 2, episodesEnded: null, openTasks: null, completedTasks: null });
    expect(report.byTier).toEqual(Object.values(Tier).map((tier) => ({ tier, count: null })));
    // Two AUM_DROP episodes, but one customer: withheld.
    expect(report.bySignal).toEqual(
      Object.values(ChurnSignal).map((signal) => ({
        signal,
        count: signal === ChurnSignal.COMPLAINTS_RISING ? K : null,
      })),
    );
    expect(report.byOutcome.map((o: { count: number | null }) => o.count)).toEqual(
      Object.values(TaskOutcome).map(() => null),
    );
    expect(suppressedPaths(res)).toContain('churnReport.episodesEnded');
    expect(suppressedPaths(res)).toContain('churnReport.openTasks');
    expect(suppressedPaths(res)).toContain('churnReport.byTier.1.count');
    expectNoCountIn(res);

    const forRisk = await app.gql(REPORT, { from: day, to: day }, { as: RISK });
    expect(forRisk.errors).toBeUndefined();
    expect(forRisk.data.churnReport).toMatchObject({
      episodes: K + 2,
      episodesEnded: 1,
      completedTasks: 1,
      byTier: [
        { tier: 'MASS', count: K },
        { tier: 'WEALTH', count: 2 },
      ],
      byOutcome: [{ outcome: 'RETAINED', count: 1 }],
    });
  });
});

describe('churn report, complementary suppression', () => {
  const REPORT = `query ($from: Date!, $to: Date!) {
    churnReport(from: $from, to: $to) { episodes openTasks completedTasks byTier { tier count } }
  }`;
  const day = '2032-06-14';
  const at = new Date('2032-06-14T04:00:00Z');

  it('leaves marketing no tier to recover as the episodes minus the other tiers', async () => {
    // MASS K + 1 customers, WEALTH K, PRIVATE_BANKING 1, every task open.
    const sizes: [Tier, number][] = [
      [Tier.MASS, K + 1],
      [Tier.WEALTH, K],
      [Tier.PRIVATE_BANKING, 1],
    ];
    for (const [tier, n] of sizes)
      for (let i = 0; i < n; i++) await make.retentionTask(await make.customer(), { openedAt: at }, { tier });

    const res = await app.gql(REPORT, { from: day, to: day }, { as: ANALYST });
    // 8 − 4 tells WEALTH, PRIVATE_BANKING and POTENTIAL together (4), none alone; with completedTasks (0)
    // withheld, openTasks would tell it as episodes − openTasks.
    expect(res.data.churnReport).toEqual({
      episodes: 2 * K + 2,
      openTasks: null,
      completedTasks: null,
      byTier: [
        { tier: 'PRIVATE_BANKING', count: null },
        { tier: 'WEALTH', count: null },
        { tier: 'MASS', count: K + 1 },
        { tier: 'POTENTIAL', count: null },
      ],
    });
    expect(suppressedPaths(res).sort()).toEqual(
      [
        'churnReport.openTasks',
        'churnReport.completedTasks',
        'churnReport.byTier.0.count',
        'churnReport.byTier.1.count',
        'churnReport.byTier.3.count',
      ].sort(),
    );
    expectNoCountIn(res);

    for (const as of [RISK, AUDITOR]) {
      const exact = await app.gql(REPORT, { from: day, to: day }, { as });
      expect(exact.errors).toBeUndefined();
      expect(exact.data.churnReport).toEqual({
        episodes: 2 * K + 2,
        openTasks: 2 * K + 2,
        completedTasks: 0,
        byTier: [
          { tier: 'MASS', count: K + 1 },
          { tier: 'WEALTH', count: K },
          { tier: 'PRIVATE_BANKING', count: 1 },
        ],
      });
    }
  });
});

describe('enrolment run counts', () => {
  const RUN = `query ($id: ID!) { enrollmentRun(id: $id) { status enrolled skipped { reason count } } }`;

  async function endedRun(enrolled: number, skipped: Record<string, number>) {
    const campaign = await make.campaign({ status: CampaignStatus.ACTIVE });
    const skips: { customerId: string; reason: string }[] = [];
    for (const [reason, n] of Object.entries(skipped))
      for (let i = 0; i < n; i++) skips.push({ customerId: (await make.customer()).id, reason });
    const { id } = await make.finishedRun(campaign.id, skips, {
      enrolled,
      requestedBy: MANAGER.sub,
      requestedRoles: MANAGER.roles,
      businessDate: '2026-06-01',
    });
    return id;
  }

  it('withholds enrolled and each skip count over fewer than K customers from marketing, with every reason listed', async () => {
    const id = await endedRun(K - 1, { OPTED_OUT: 1, NO_CONSENT: K });
    const res = await app.gql(RUN, { id }, { as: MANAGER });
    expect(res.data.enrollmentRun.enrolled).toBeNull();
    expect(res.data.enrollmentRun.skipped).toHaveLength(10);
    expect(res.data.enrollmentRun.skipped.slice(0, 3)).toEqual([
      { reason: 'OPTED_OUT', count: null },
      { reason: 'NO_CONSENT', count: K },
      { reason: 'NOT_ELIGIBLE', count: null },
    ]);
    expect(suppressedPaths(res)).toContain('enrollmentRun.enrolled');
    expect(suppressedPaths(res)).toContain('enrollmentRun.skipped.0.count');
    expectNoCountIn(res);
  });

  it('lists to marketing only the skipped customers of reasons that K or more were skipped for', async () => {
    const id = await endedRun(K, { NO_CONSENT: K - 1, UNSUITABLE: K });
    const LIST = `query ($id: ID!) {
      enrollmentRun(id: $id) { skippedCustomers(first: 50) { totalCount edges { node { reason } } } }
    }`;
    const listed = async (as: typeof MANAGER) =>
      (await app.gql(LIST, { id }, { as })).data.enrollmentRun.skippedCustomers;
    const forManager = await listed(MANAGER);
    expect(forManager.edges.map((e: any) => e.node.reason)).toEqual(Array(K).fill('UNSUITABLE'));
    expect(forManager.totalCount).toBe(K);
    const forAuditor = await listed(AUDITOR);
    expect(forAuditor.edges.map((e: any) => e.node.reason).sort()).toEqual([
      ...Array(K - 1).fill('NO_CONSENT'),
      ...Array(K).fill('UNSUITABLE'),
    ]);
    expect(forAuditor.totalCount).toBe(2 * K - 1);
  });

  it('counts a reason as large only by the skipped customers marketing may see', async () => {
    // Both reasons' counts are shown to marketing (enrolled is the one withheld beside the empty reasons).
    const id = await endedRun(K, { NO_CONSENT: K, UNSUITABLE: K });
    // One of UNSUITABLE's K withdrew personalised marketing: out of marketing's sight, so K − 1 are left to list.
    await app.ds.query(
      `UPDATE customer SET personalised_marketing_withdrawn = true
       WHERE id = (SELECT customer_id FROM enrollment_skip_row WHERE run_id = $1 AND reason = 'UNSUITABLE' LIMIT 1)`,
      [id],
    );
    const LIST = `query ($id: ID!) {
      enrollmentRun(id: $id) { skipped { reason count } skippedCustomers(first: 50) { edges { node { reason } } } }
    }`;
    const forManager = (await app.gql(LIST, { id }, { as: MANAGER })).data.enrollmentRun;
    expect(forManager.skipped.filter((c: { count: number | null }) => c.count !== null)).toEqual([
      { reason: 'NO_CONSENT', count: K },
      { reason: 'UNSUITABLE', count: K },
    ]);
    expect(forManager.skippedCustomers.edges.map((e: any) => e.node.reason)).toEqual(Array(K).fill('NO_CONSENT'));
    const forAuditor = (await app.gql(LIST, { id }, { as: AUDITOR })).data.enrollmentRun;
    expect(forAuditor.skippedCustomers.edges).toHaveLength(2 * K);
  });

  it('answers enrolled from K customers on, and every count to risk officers and auditors', async () => {
    const id = await endedRun(K + 1, { OPTED_OUT: 1, NO_CONSENT: K });
    expect((await app.gql(RUN, { id }, { as: MANAGER })).data.enrollmentRun.enrolled).toBe(K + 1);
    for (const as of [RISK, AUDITOR]) {
      const res = await app.gql(RUN, { id }, { as });
      expect(res.errors).toBeUndefined();
      expect(res.data.enrollmentRun).toEqual({
        status: 'SUCCEEDED',
        enrolled: K + 1,
        skipped: [
          { reason: 'OPTED_OUT', count: 1 },
          { reason: 'NO_CONSENT', count: K },
        ],
      });
    }
  });

  it('leaves marketing no skip count to recover as progress minus enrolled minus the other counts, nor its rows', async () => {
    const id = await endedRun(K + 2, { NO_CONSENT: K, UNSUITABLE: 1 });
    const FULL = `query ($id: ID!) {
      enrollmentRun(id: $id) {
        progress { done total } enrolled skipped { reason count }
        skippedCustomers(first: 50) { totalCount edges { node { reason } } }
      }
    }`;
    const res = await app.gql(FULL, { id }, { as: MANAGER });
    const run = res.data.enrollmentRun;
    // The caller's own figure stays: 2K + 3 screened.
    expect(run.progress).toEqual({ done: 2 * K + 3, total: 2 * K + 3 });
    expect(run.enrolled).toBe(K + 2);
    // 2K + 3 − (K + 2) = K + 1 skipped in all; with NO_CONSENT shown, UNSUITABLE's 1 would follow.
    expect(run.skipped.every((c: { count: number | null }) => c.count === null)).toBe(true);
    // Listing NO_CONSENT's K customers would count them: no rows, and the list's 0 is withheld too.
    expect(run.skippedCustomers).toEqual({ totalCount: null, edges: [] });
    expect(suppressedPaths(res)).toContain('enrollmentRun.skipped.1.count');
    expect(suppressedPaths(res)).toContain('enrollmentRun.skippedCustomers.totalCount');
    expectNoCountIn(res);

    for (const as of [RISK, AUDITOR]) {
      const exact = await app.gql(FULL, { id }, { as });
      expect(exact.errors).toBeUndefined();
      expect(exact.data.enrollmentRun.skipped).toEqual([
        { reason: 'NO_CONSENT', count: K },
        { reason: 'UNSUITABLE', count: 1 },
      ]);
      expect(exact.data.enrollmentRun.skippedCustomers.totalCount).toBe(K + 1);
    }
  });
});
