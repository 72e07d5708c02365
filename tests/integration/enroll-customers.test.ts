import { Role } from '../../src/auth/roles';
import { CampaignStatus } from '../../src/modules/campaign/campaign.enums';
import { ConsentPurpose } from '../../src/modules/consent/consent.enums';
import { Tier } from '../../src/modules/customer/customer.enums';
import { RiskLevel } from '../../src/modules/holding/holding.enums';
import { Channel } from '../../src/modules/interaction/interaction.enums';
import { RiskTolerance } from '../../src/modules/risk/risk.enums';
import { useTestApp } from '../support/test-app';

const { app, make } = useTestApp();

const ENROLL = `mutation ($c: ID!, $ids: [ID!]) { enrollCustomers(campaignId: $c, customerIds: $ids) {
  enrolled skipped { reason count } skippedCustomers(first: 50) { totalCount edges { node { customerId reason } } } } }`;

let manager: { sub: string; roles: Role[] };

beforeAll(async () => {
  manager = { sub: (await make.staff()).id, roles: [Role.MARKETING_MANAGER] };
});

/** A customer who passes every check for an R3 product on WECHAT, unless told otherwise. */
async function eligible(
  overrides: {
    birthDate?: string;
    tolerance?: RiskTolerance;
    validUntil?: string;
    consent?: boolean;
    personalised?: boolean;
    assessed?: boolean;
  } = {},
) {
  const customer = await make.customer({ birthDate: overrides.birthDate ?? '1980-01-01', tier: Tier.WEALTH });
  if (overrides.consent !== false)
    await make.consent(customer.id, { purpose: ConsentPurpose.MARKETING, channel: Channel.WECHAT });
  if (overrides.personalised !== false) {
    await make.consent(customer.id, { purpose: ConsentPurpose.PERSONALISED_MARKETING, channel: null });
  }
  if (overrides.assessed !== false) {
    await make.riskAssessment(customer.id, {
      riskTolerance: overrides.tolerance ?? RiskTolerance.C3,
      validUntil: overrides.validUntil ?? '2099-01-01',
      assessedAt: new Date('2019-01-01T00:00:00Z'),
    });
  }
  return customer;
}

async function approvedCampaign(riskLevel = RiskLevel.R3) {
  const product = await make.product({ riskLevel });
  return make.campaign({
    status: CampaignStatus.APPROVED,
    channels: [Channel.MOBILE_APP, Channel.WECHAT],
    productId: product.id,
  });
}

describe('enrollCustomers', () => {
  it('enrols the eligible and reports every skipped customer with the first reason that applies', async () => {
    const campaign = await approvedCampaign(RiskLevel.R4);
    const ok = await eligible({ tolerance: RiskTolerance.C4 });
    const noConsent = await eligible({ consent: false });
    const optedOut = await eligible({ personalised: false });
    const unsuitable = await eligible({ tolerance: RiskTolerance.C2 });
    const unassessed = await eligible({ assessed: false });
    const expired = await eligible({ tolerance: RiskTolerance.C5, validUntil: '2020-01-01' });
    const senior = await eligible({ tolerance: RiskTolerance.C5, birthDate: '1950-01-01' });
    const ids = [ok, noConsent, optedOut, unsuitable, unassessed, expired, senior].map((c) => c.id);

    const res = await app.gql(ENROLL, { c: campaign.id, ids }, { as: manager });
    expect(res.errors).toBeUndefined();
    const result = res.data.enrollCustomers;
    expect(result.enrolled).toBe(1);
    expect(result.skipped).toEqual([
      { reason: 'NO_CONSENT', count: 1 },
      { reason: 'OPTED_OUT', count: 1 },
      { reason: 'UNSUITABLE', count: 1 },
      { reason: 'NO_ASSESSMENT', count: 1 },
      { reason: 'ASSESSMENT_EXPIRED', count: 1 },
      { reason: 'AGE_RESTRICTED', count: 1 },
    ]);
    const reasons = Object.fromEntries(
      result.skippedCustomers.edges.map((e: any) => [e.node.customerId, e.node.reason]),
    );
    expect(reasons).toEqual({
      [noConsent.id]: 'NO_CONSENT',
      [optedOut.id]: 'OPTED_OUT',
      [unsuitable.id]: 'UNSUITABLE',
      [unassessed.id]: 'NO_ASSESSMENT',
      [expired.id]: 'ASSESSMENT_EXPIRED',
      [senior.id]: 'AGE_RESTRICTED',
    });
    const [enrolment] = await app.ds.query(`SELECT channel, status FROM campaign_enrollment WHERE campaign_id = $1`, [
      campaign.id,
    ]);
    // The first of the campaign's channels the customer consented to.
    expect(enrolment).toEqual({ channel: 'WECHAT', status: 'TARGETED' });
  });

  it('enrols nobody twice when run again or concurrently', async () => {
    const campaign = await approvedCampaign();
    const customers = [await eligible(), await eligible(), await eligible()];
    const ids = customers.map((c) => c.id);
    const runs = await Promise.all([1, 2, 3].map(() => app.gql(ENROLL, { c: campaign.id, ids }, { as: manager })));
    expect(runs.map((r) => r.data.enrollCustomers.enrolled).reduce((a, b) => a + b, 0)).toBe(3);
    const again = await app.gql(ENROLL, { c: campaign.id, ids }, { as: manager });
    expect(again.data.enrollCustomers).toMatchObject({
      enrolled: 0,
      skipped: [{ reason: 'ALREADY_ENROLLED', count: 3 }],
    });
    const [{ count }] = await app.ds.query(
      `SELECT count(*)::int AS count FROM campaign_enrollment WHERE campaign_id = $1`,
      [campaign.id],
    );
    expect(count).toBe(3);
  });

  it('takes the campaign’s target criteria when no ids are given, in one statement', async () => {
    const tag = await make.tag();
    const product = await make.product({ riskLevel: RiskLevel.R1 });
    const campaign = await make.campaign({
      status: CampaignStatus.ACTIVE,
      channels: [Channel.WECHAT],
      productId: product.id,
      targetTagCodes: [tag.code],
      targetTiers: [Tier.WEALTH],
    });
    const tagged = await eligible();
    await make.customerTag(tagged.id, tag.id);
    await eligible(); // untagged: not a candidate
    const res = await app.gql(ENROLL, { c: campaign.id }, { as: manager });
    expect(res.data.enrollCustomers).toMatchObject({ enrolled: 1, skipped: [] });
  });

  it('refuses a campaign that is not approved or active, and writes nothing', async () => {
    const campaign = await make.campaign({ status: CampaignStatus.DRAFT });
    const customer = await eligible();
    const res = await app.gql(ENROLL, { c: campaign.id, ids: [customer.id] }, { as: manager });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', currentStatus: 'DRAFT' });
  });

  it('leaves one audit record with the counts', async () => {
    const campaign = await approvedCampaign();
    const customer = await eligible();
    await app.gql(ENROLL, { c: campaign.id, ids: [customer.id] }, { as: manager });
    const rows = await app.ds.query(
      `SELECT detail FROM audit_record WHERE operation = 'enrollCustomers' AND detail->>'campaignId' = $1`,
      [campaign.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].detail).toMatchObject({ enrolled: 1, skipped: {} });
  });
});
