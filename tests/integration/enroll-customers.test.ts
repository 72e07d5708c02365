import { Role } from '../../src/auth/roles';
import { addDays, businessToday } from '../../src/common/business-date';
import { CampaignStatus } from '../../src/modules/campaign/campaign.enums';
import { ConsentPurpose } from '../../src/modules/consent/consent.enums';
import { KycStatus, Tier } from '../../src/modules/customer/customer.enums';
import { RiskLevel } from '../../src/modules/holding/holding.enums';
import { Channel } from '../../src/modules/interaction/interaction.enums';
import { AmlRating, RiskTolerance } from '../../src/modules/risk/risk.enums';
import { enrollAndWait } from '../support/enrollment-runs';
import { AUDITOR, useTestApp } from '../support/test-app';

const { app, make } = useTestApp({}, { enrollmentRuns: true });

const RESULT = `enrolled skipped { reason count } skippedCustomers(first: 50) { totalCount edges { node { customerId reason } } }`;
/**
 * enrollCustomers as the marketing manager, answered once its run has ended, read by an auditor: these tests are
 * about screening, and the manager's counts of a few customers are withheld (cohort-suppression.test.ts).
 */
const enroll = (variables: { c: string; ids?: string[] }) =>
  enrollAndWait(app, variables, manager, RESULT, { readAs: AUDITOR });

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
    /** false: no personalised-marketing record; 'withdrawn': an explicit withdrawal. */
    personalised?: boolean | 'withdrawn';
    assessed?: boolean;
    amlRating?: AmlRating;
    kycStatus?: KycStatus;
    aum?: string;
  } = {},
) {
  const customer = await make.customer({
    birthDate: overrides.birthDate ?? '1980-01-01',
    tier: Tier.WEALTH,
    kycStatus: overrides.kycStatus ?? KycStatus.VERIFIED,
    ...(overrides.aum ? { aum: overrides.aum } : {}),
  });
  if (overrides.consent !== false)
    await make.consent(customer.id, { purpose: ConsentPurpose.MARKETING, channel: Channel.WECHAT });
  if (overrides.personalised !== false) {
    await make.consent(customer.id, {
      purpose: ConsentPurpose.PERSONALISED_MARKETING,
      channel: null,
      granted: overrides.personalised !== 'withdrawn',
    });
  }
  if (overrides.assessed !== false) {
    await make.riskAssessment(customer.id, {
      riskTolerance: overrides.tolerance ?? RiskTolerance.C3,
      validUntil: overrides.validUntil ?? '2099-01-01',
      assessedAt: new Date('2019-01-01T00:00:00Z'),
      amlRating: overrides.amlRating ?? AmlRating.LOW,
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
    const noPersonalisedRecord = await eligible({ personalised: false });
    const optedOut = await eligible({ personalised: 'withdrawn', consent: false });
    const unsuitable = await eligible({ tolerance: RiskTolerance.C2 });
    const unassessed = await eligible({ assessed: false });
    const expired = await eligible({ tolerance: RiskTolerance.C5, validUntil: '2020-01-01' });
    const senior = await eligible({ tolerance: RiskTolerance.C5, birthDate: '1950-01-01' });
    const ids = [ok, noConsent, noPersonalisedRecord, optedOut, unsuitable, unassessed, expired, senior].map(
      (c) => c.id,
    );

    const res = await enroll({ c: campaign.id, ids });
    expect(res.errors).toBeUndefined();
    const result = res.data.enrollCustomers;
    expect(result.enrolled).toBe(1);
    // A listed customer who withdrew personalised marketing is out of marketing's sight: left out like an
    // id of no one (purpose-bound-reads.test.ts counts them when targeting by criteria).
    expect(result.skipped).toEqual([
      { reason: 'NO_CONSENT', count: 2 },
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
      [noPersonalisedRecord.id]: 'NO_CONSENT',
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

  it('enrols nobody twice when run again', async () => {
    const campaign = await approvedCampaign();
    const customers = [await eligible(), await eligible(), await eligible()];
    const ids = customers.map((c) => c.id);
    const first = await enroll({ c: campaign.id, ids });
    expect(first.data.enrollCustomers.enrolled).toBe(3);
    const again = await enroll({ c: campaign.id, ids });
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
    const res = await enroll({ c: campaign.id });
    expect(res.data.enrollCustomers).toMatchObject({ enrolled: 1, skipped: [] });
  });

  it('refuses a campaign that is not approved or active, and writes nothing', async () => {
    const campaign = await make.campaign({ status: CampaignStatus.DRAFT });
    const customer = await eligible();
    const res = await enroll({ c: campaign.id, ids: [customer.id] });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', currentStatus: 'DRAFT' });
  });

  it('leaves one audit record with the counts', async () => {
    const campaign = await approvedCampaign();
    const customer = await eligible();
    await enroll({ c: campaign.id, ids: [customer.id] });
    const rows = await app.ds.query(
      `SELECT detail FROM audit_record WHERE operation = 'enrollCustomers' AND detail->>'campaignId' = $1`,
      [campaign.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].detail).toMatchObject({ enrolled: 1, skipped: {} });
  });
});

/** The date `years` before `date` ('YYYY-MM-DD'); not called on 29 February. */
const yearsBefore = (date: string, years: number) => `${Number(date.slice(0, 4)) - years}${date.slice(4)}`;

const reasonsOf = (result: any) =>
  Object.fromEntries(result.skippedCustomers.edges.map((e: any) => [e.node.customerId, e.node.reason]));

describe('enrollCustomers screening (PRODUCT.md §4)', () => {
  it('skips a HIGH AML rating as NOT_ELIGIBLE and KYC not VERIFIED as KYC_NOT_CURRENT, after consent and before suitability', async () => {
    const campaign = await approvedCampaign(RiskLevel.R4);
    const amlHigh = await eligible({ tolerance: RiskTolerance.C4, amlRating: AmlRating.HIGH });
    // NOT_ELIGIBLE comes before KYC_NOT_CURRENT and UNSUITABLE.
    const amlHighAndMore = await eligible({
      tolerance: RiskTolerance.C1,
      amlRating: AmlRating.HIGH,
      kycStatus: KycStatus.PENDING,
    });
    const kycPending = await eligible({ tolerance: RiskTolerance.C4, kycStatus: KycStatus.PENDING });
    const kycExpiredAndUnsuitable = await eligible({ tolerance: RiskTolerance.C1, kycStatus: KycStatus.EXPIRED });
    // Consent is judged first, so the marketing caller learns nothing more than that.
    const amlHighNoConsent = await eligible({ amlRating: AmlRating.HIGH, consent: false });
    const amlMedium = await eligible({ tolerance: RiskTolerance.C4, amlRating: AmlRating.MEDIUM });
    const ids = [amlHigh, amlHighAndMore, kycPending, kycExpiredAndUnsuitable, amlHighNoConsent, amlMedium].map(
      (c) => c.id,
    );

    const res = await enroll({ c: campaign.id, ids });
    expect(res.errors).toBeUndefined();
    expect(res.data.enrollCustomers.enrolled).toBe(1);
    expect(reasonsOf(res.data.enrollCustomers)).toEqual({
      [amlHigh.id]: 'NOT_ELIGIBLE',
      [amlHighAndMore.id]: 'NOT_ELIGIBLE',
      [kycPending.id]: 'KYC_NOT_CURRENT',
      [kycExpiredAndUnsuitable.id]: 'KYC_NOT_CURRENT',
      [amlHighNoConsent.id]: 'NO_CONSENT',
    });
    // The marketing caller may not read AML ratings, and naming the cause would tip the customer off.
    expect(JSON.stringify(res)).not.toMatch(/AML/i);
  });

  it('judges the AML rating of the latest assessment only', async () => {
    const campaign = await approvedCampaign();
    const nowHigh = await eligible({ amlRating: AmlRating.LOW });
    await make.riskAssessment(nowHigh.id, {
      riskTolerance: RiskTolerance.C3,
      validUntil: '2099-01-01',
      assessedAt: new Date('2024-01-01T00:00:00Z'),
      amlRating: AmlRating.HIGH,
    });
    const noLongerHigh = await eligible({ amlRating: AmlRating.HIGH });
    await make.riskAssessment(noLongerHigh.id, {
      riskTolerance: RiskTolerance.C3,
      validUntil: '2099-01-01',
      assessedAt: new Date('2024-01-01T00:00:00Z'),
      amlRating: AmlRating.LOW,
    });
    const res = await enroll({ c: campaign.id, ids: [nowHigh.id, noLongerHigh.id] });
    expect(res.data.enrollCustomers.enrolled).toBe(1);
    expect(reasonsOf(res.data.enrollCustomers)).toEqual({ [nowHigh.id]: 'NOT_ELIGIBLE' });
  });

  it('skips customers under 18 on the business date as AGE_RESTRICTED, also for a campaign without a product', async () => {
    const campaign = await make.campaign({ status: CampaignStatus.APPROVED, channels: [Channel.WECHAT] });
    // Ages are counted on the bank's business date, as the server does.
    const today = businessToday('Asia/Shanghai');
    const eighteenToday = await eligible({ birthDate: yearsBefore(today, 18) });
    const eighteenTomorrow = await eligible({ birthDate: yearsBefore(addDays(today, 1), 18) });
    const res = await enroll({ c: campaign.id, ids: [eighteenToday.id, eighteenTomorrow.id] });
    expect(res.errors).toBeUndefined();
    expect(res.data.enrollCustomers.enrolled).toBe(1);
    expect(reasonsOf(res.data.enrollCustomers)).toEqual({ [eighteenTomorrow.id]: 'AGE_RESTRICTED' });
  });

  it('names the NOT_ELIGIBLE cause in the audit record only', async () => {
    const campaign = await approvedCampaign();
    const amlHigh = await eligible({ amlRating: AmlRating.HIGH });
    const kycPending = await eligible({ kycStatus: KycStatus.PENDING });
    await enroll({ c: campaign.id, ids: [amlHigh.id, kycPending.id] });
    const [{ detail }] = await app.ds.query(
      `SELECT detail FROM audit_record WHERE operation = 'enrollCustomers' AND detail->>'campaignId' = $1`,
      [campaign.id],
    );
    expect(detail).toMatchObject({
      enrolled: 0,
      skipped: { NOT_ELIGIBLE: 1, KYC_NOT_CURRENT: 1 },
      notEligibleBy: { AML_HIGH: 1 },
    });
  });
});

describe('enrollCustomers by target criteria', () => {
  it('takes aumMin inclusive and aumMax exclusive, as the customers filter does', async () => {
    const tag = await make.tag();
    const campaign = await make.campaign({
      status: CampaignStatus.APPROVED,
      channels: [Channel.WECHAT],
      targetTagCodes: [tag.code],
      targetAumMin: '100000.00',
      targetAumMax: '500000.00',
    });
    const byAum = async (aum: string) => {
      const customer = await eligible({ aum });
      // The tag keeps other tests' customers out of this campaign's segment.
      await make.customerTag(customer.id, tag.id);
      return customer;
    };
    await byAum('99999.99');
    const atMin = await byAum('100000.00');
    const justUnderMax = await byAum('499999.99');
    await byAum('500000.00');
    const res = await enroll({ c: campaign.id });
    expect(res.data.enrollCustomers).toMatchObject({ enrolled: 2, skipped: [] });
    const enrolled = await app.ds.query(`SELECT customer_id FROM campaign_enrollment WHERE campaign_id = $1`, [
      campaign.id,
    ]);
    expect(enrolled.map((r: any) => r.customer_id).sort()).toEqual([atMin.id, justUnderMax.id].sort());
  });
});
