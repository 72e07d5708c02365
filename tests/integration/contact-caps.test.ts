import { Role } from '../../src/auth/roles';
import { TokenClaims } from '../../src/auth/token-issuer';
import { CampaignStatus } from '../../src/modules/campaign/campaign.enums';
import { ConsentPurpose } from '../../src/modules/consent/consent.enums';
import { KycStatus, Tier } from '../../src/modules/customer/customer.enums';
import { RiskLevel } from '../../src/modules/holding/holding.enums';
import { Channel, ComplianceFlag, InteractionType } from '../../src/modules/interaction/interaction.enums';
import { RiskTolerance } from '../../src/modules/risk/risk.enums';
import { enrollAndWait } from '../support/enrollment-runs';
import { AUDITOR, useTestApp } from '../support/test-app';

/**
 * Issue 19, item 1: contact frequency caps across channels, by default one
 * campaign contact a day and, per month, 6 / 4 / 2 / 2 by tier, counted by
 * calendar day and month in Asia/Shanghai. Only allowed (unflagged) campaign
 * contacts count.
 */
const { app, make } = useTestApp({}, { enrollmentRuns: true });

const CHECK = `query ($c: ID!, $k: ID!, $ch: Channel!) {
  contactCheck(customerId: $c, campaignId: $k, channel: $ch) { allowed reasons } }`;
const RECORD = `mutation ($input: RecordInteractionInput!) { recordInteraction(input: $input) { id } }`;
const ALLOWANCE = `query ($id: ID!) { customer(id: $id) { contactAllowance { remainingToday remainingThisMonth resetsAt } } }`;
const EXCEPTIONS = `{ contactExceptions(first: 100) { edges { node { complianceFlags interaction { id } } } } }`;
const RUN_RESULT = `enrolled skipped { reason count } skippedCustomers(first: 50) { edges { node { customerId reason } } }`;

/** Written here with the fixed offset (Shanghai keeps no summer time), not with the code under test. */
const shanghai = (date: string, time = '00:00:00') => new Date(`${date}T${time}+08:00`);
const shanghaiDate = (instant: Date) => new Date(instant.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
function monthsOf(date: string) {
  const [y, m] = date.split('-').map(Number);
  const first = (year: number, month: number) => `${year}-${String(month).padStart(2, '0')}-01`;
  return {
    thisMonth: first(y, m),
    nextMonth: m === 12 ? first(y + 1, 1) : first(y, m + 1),
    lastMonth: m === 1 ? first(y - 1, 12) : first(y, m - 1),
  };
}
const nextDate = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/**
 * A relationship manager's own customer of a tier, with personalised marketing and marketing on
 * MOBILE_APP and WECHAT granted, enrolled (TARGETED) in `campaigns` active campaigns.
 */
async function customerOf(tier: Tier, { campaigns = 1, channels = [Channel.MOBILE_APP, Channel.WECHAT] } = {}) {
  const rm = await make.staff();
  const customer = await make.customer({ branchId: rm.branchId, relationshipManagerId: rm.id, tier });
  await make.consent(customer.id, { purpose: ConsentPurpose.PERSONALISED_MARKETING, channel: null });
  for (const channel of channels) await make.consent(customer.id, { purpose: ConsentPurpose.MARKETING, channel });
  const enrolledIn = [];
  for (let i = 0; i < campaigns; i++) {
    const campaign = await make.campaign({
      status: CampaignStatus.ACTIVE,
      channels: [Channel.MOBILE_APP, Channel.WECHAT],
    });
    await make.enrollment(campaign.id, customer.id);
    enrolledIn.push(campaign);
  }
  const as: TokenClaims = { sub: rm.id, roles: [Role.RELATIONSHIP_MANAGER], branchId: rm.branchId };
  return { customer, campaigns: enrolledIn, as };
}

type Subject = Awaited<ReturnType<typeof customerOf>>;

/** Records a campaign contact and answers the flags it was stored with. */
async function contact(
  who: Subject,
  occurredAt: Date | string,
  { campaign = 0, channel = Channel.MOBILE_APP }: { campaign?: number; channel?: Channel } = {},
): Promise<{ id: string; flags: ComplianceFlag[] }> {
  const res = await app.gql(
    RECORD,
    {
      input: {
        customerNo: who.customer.customerNo,
        campaignId: who.campaigns[campaign].id,
        channel,
        type: InteractionType.CAMPAIGN_CONTACT,
        occurredAt: new Date(occurredAt).toISOString(),
        summary: '介绍新发理财',
      },
    },
    { as: who.as },
  );
  expect(res.errors).toBeUndefined();
  const id = res.data.recordInteraction.id;
  const [row] = await app.ds.query(`SELECT compliance_flags FROM interaction WHERE id = $1`, [id]);
  return { id, flags: row.compliance_flags };
}

/** A campaign contact as the bank's own systems would have stored it, without the gateway. */
const storedContact = (customerId: string, occurredAt: Date, complianceFlags: ComplianceFlag[] = []) =>
  make.interaction(customerId, {
    type: InteractionType.CAMPAIGN_CONTACT,
    channel: Channel.BRANCH,
    occurredAt,
    complianceFlags,
  });

const enrolmentStatus = async (campaignId: string, customerId: string) =>
  (
    await app.ds.query(`SELECT status FROM campaign_enrollment WHERE campaign_id = $1 AND customer_id = $2`, [
      campaignId,
      customerId,
    ])
  )[0].status;

async function check(who: Subject, channel = Channel.MOBILE_APP) {
  const res = await app.gql(CHECK, { c: who.customer.id, k: who.campaigns[0].id, ch: channel }, { as: who.as });
  expect(res.errors).toBeUndefined();
  return res.data.contactCheck;
}

async function allowance(customerId: string, as?: TokenClaims) {
  const res = await app.gql(ALLOWANCE, { id: customerId }, as ? { as } : {});
  expect(res.errors).toBeUndefined();
  return res.data.customer.contactAllowance;
}

describe('a recorded campaign contact', () => {
  it('is one a day across channels and campaigns: the second of a Shanghai day is flagged, audited, listed for auditors and leaves its enrolment', async () => {
    const who = await customerOf(Tier.WEALTH, { campaigns: 2 });
    const first = await contact(who, shanghai('2026-10-05', '10:00:00'));
    // 23:59 in Shanghai, on another channel and for another campaign: the same day's second contact.
    const second = await contact(who, shanghai('2026-10-05', '23:59:00'), { campaign: 1, channel: Channel.WECHAT });
    expect(first.flags).toEqual([]);
    expect(second.flags).toEqual([ComplianceFlag.FREQUENCY_CAPPED]);
    expect(await enrolmentStatus(who.campaigns[0].id, who.customer.id)).toBe('CONTACTED');
    expect(await enrolmentStatus(who.campaigns[1].id, who.customer.id)).toBe('TARGETED');

    const [audit] = await app.ds.query(
      `SELECT detail FROM audit_record WHERE operation = 'recordInteraction' AND detail->>'interactionId' = $1`,
      [second.id],
    );
    expect(audit.detail).toMatchObject({ complianceFlags: [ComplianceFlag.FREQUENCY_CAPPED] });
    const listed = await app.gql(EXCEPTIONS);
    expect(listed.data.contactExceptions.edges.map((e: any) => e.node)).toContainEqual({
      complianceFlags: [ComplianceFlag.FREQUENCY_CAPPED],
      interaction: { id: second.id },
    });
    expect(listed.data.contactExceptions.edges.map((e: any) => e.node.interaction.id)).not.toContain(first.id);
  });

  it("counts days in Shanghai: 00:30 there is the next day, though it is the same UTC date as the day's first contact", async () => {
    const who = await customerOf(Tier.WEALTH);
    const morning = await contact(who, '2026-10-05T02:00:00Z');
    const afterMidnight = await contact(who, '2026-10-05T16:30:00Z');
    expect([morning.flags, afterMidnight.flags]).toEqual([[], []]);
  });

  it.each([
    [Tier.PRIVATE_BANKING, 6],
    [Tier.WEALTH, 4],
    [Tier.MASS, 2],
    [Tier.POTENTIAL, 2],
  ])('allows a %s customer %i contacts in a calendar month, one a day', async (tier, monthly) => {
    const who = await customerOf(tier);
    const flags = [];
    for (let day = 1; day <= monthly + 1; day++) {
      flags.push((await contact(who, shanghai(`2026-09-${String(day).padStart(2, '0')}`, '09:00:00'))).flags);
    }
    expect(flags).toEqual([...Array(monthly).fill([]), [ComplianceFlag.FREQUENCY_CAPPED]]);
  });

  it("counts months in Shanghai: the month's last evening is still capped, the first minutes of the next (the month before in UTC) are not", async () => {
    const who = await customerOf(Tier.MASS);
    await contact(who, shanghai('2026-10-03', '10:00:00'));
    await contact(who, shanghai('2026-10-10', '10:00:00'));
    expect((await contact(who, shanghai('2026-10-31', '23:30:00'))).flags).toEqual([ComplianceFlag.FREQUENCY_CAPPED]);
    expect((await contact(who, '2026-10-31T16:30:00Z')).flags).toEqual([]);
  });

  it('is counted only when it was allowed: a contact flagged for consent uses no slot, and may carry both flags', async () => {
    const who = await customerOf(Tier.WEALTH, { channels: [Channel.MOBILE_APP] });
    const day = '2026-10-06';
    expect((await contact(who, shanghai(day, '09:00:00'), { channel: Channel.WECHAT })).flags).toEqual([
      ComplianceFlag.NO_CONSENT,
    ]);
    expect((await contact(who, shanghai(day, '10:00:00'))).flags).toEqual([]);
    expect((await contact(who, shanghai(day, '11:00:00'))).flags).toEqual([ComplianceFlag.FREQUENCY_CAPPED]);
    expect((await contact(who, shanghai(day, '12:00:00'), { channel: Channel.WECHAT })).flags).toEqual([
      ComplianceFlag.NO_CONSENT,
      ComplianceFlag.FREQUENCY_CAPPED,
    ]);
  });
});

describe('contactCheck', () => {
  it("answers FREQUENCY_CAPPED once today's contact is made, after the consent reasons, and only OPTED_OUT for a withdrawal", async () => {
    const who = await customerOf(Tier.WEALTH, { channels: [Channel.MOBILE_APP] });
    expect(await check(who)).toEqual({ allowed: true, reasons: [] });
    expect((await contact(who, new Date())).flags).toEqual([]);

    expect(await check(who)).toEqual({ allowed: false, reasons: [ComplianceFlag.FREQUENCY_CAPPED] });
    expect(await check(who, Channel.WECHAT)).toEqual({
      allowed: false,
      reasons: [ComplianceFlag.NO_CONSENT, ComplianceFlag.FREQUENCY_CAPPED],
    });
    await app.ds.query(
      `UPDATE consent SET granted = false WHERE customer_id = $1 AND purpose = 'PERSONALISED_MARKETING'`,
      [who.customer.id],
    );
    expect(await check(who)).toEqual({ allowed: false, reasons: [ComplianceFlag.OPTED_OUT] });
  });

  it("answers FREQUENCY_CAPPED when this month's contacts are used up, whatever day they were made", async () => {
    const who = await customerOf(Tier.MASS);
    const monthStart = shanghai(monthsOf(shanghaiDate(new Date())).thisMonth);
    await storedContact(who.customer.id, monthStart);
    await storedContact(who.customer.id, new Date(monthStart.getTime() + 60_000));
    expect(await check(who)).toEqual({ allowed: false, reasons: [ComplianceFlag.FREQUENCY_CAPPED] });
  });
});

describe('customer.contactAllowance', () => {
  it('shows what is left today and this month, and when it next grows', async () => {
    const today = shanghaiDate(new Date());
    const who = await customerOf(Tier.WEALTH);
    const tomorrow = shanghai(nextDate(today)).toISOString();
    expect(await allowance(who.customer.id, who.as)).toEqual({
      remainingToday: 1,
      remainingThisMonth: 4,
      resetsAt: tomorrow,
    });
    await contact(who, new Date());
    expect(await allowance(who.customer.id, who.as)).toEqual({
      remainingToday: 0,
      remainingThisMonth: 3,
      resetsAt: tomorrow,
    });
  });

  it("grows next month once this month's contacts are used up", async () => {
    const months = monthsOf(shanghaiDate(new Date()));
    const who = await customerOf(Tier.POTENTIAL);
    await storedContact(who.customer.id, shanghai(months.thisMonth));
    await storedContact(who.customer.id, shanghai(months.thisMonth, '00:01:00'));
    expect(await allowance(who.customer.id)).toEqual({
      remainingToday: 0,
      remainingThisMonth: 0,
      resetsAt: shanghai(months.nextMonth).toISOString(),
    });
  });

  it("counts neither flagged contacts, nor other interactions, nor last month's contacts", async () => {
    const months = monthsOf(shanghaiDate(new Date()));
    const who = await customerOf(Tier.MASS);
    await storedContact(who.customer.id, new Date(), [ComplianceFlag.NO_CONSENT]);
    await make.interaction(who.customer.id, { type: InteractionType.CAMPAIGN_RESPONSE, occurredAt: new Date() });
    // The last minute of last month in Shanghai: the first of this month in UTC is 8 hours later.
    await storedContact(who.customer.id, new Date(shanghai(months.thisMonth).getTime() - 60_000));
    await storedContact(who.customer.id, new Date(shanghai(months.thisMonth).getTime() - 120_000));
    expect(await allowance(who.customer.id)).toMatchObject({ remainingToday: 1, remainingThisMonth: 2 });
  });

  it('is for service and marketing roles and auditors; a risk officer is denied it', async () => {
    const who = await customerOf(Tier.WEALTH);
    for (const role of [
      Role.CALL_CENTER_AGENT,
      Role.MARKETING_ANALYST,
      Role.MARKETING_MANAGER,
      Role.COMPLIANCE_AUDITOR,
    ]) {
      expect({
        role,
        allowance: await allowance(who.customer.id, { sub: (await make.staff()).id, roles: [role] }),
      }).toEqual({ role, allowance: expect.objectContaining({ remainingThisMonth: 4 }) });
    }
    const risk = await app.gql(
      ALLOWANCE,
      { id: who.customer.id },
      { as: { sub: (await make.staff()).id, roles: [Role.RISK_OFFICER] } },
    );
    expect(risk.data.customer.contactAllowance).toBeNull();
    expect(risk.errors?.map((e) => [e.extensions.code, e.path])).toEqual([
      ['FORBIDDEN', ['customer', 'contactAllowance']],
    ]);
  });
});

describe('enrolment', () => {
  /**
   * Six MASS customers, eligible for an R3 product on MOBILE_APP but for their caps (and for KYC or
   * suitability where named), all carrying one tag of their own, so that a campaign can target them
   * by its criteria as well as by listing them.
   */
  async function capWorld() {
    const months = monthsOf(shanghaiDate(new Date()));
    const tag = await make.tag();
    const customer = async (
      contacts: Date[],
      flags: ComplianceFlag[] = [],
      values: { kycStatus?: KycStatus; tolerance?: RiskTolerance } = {},
    ) => {
      const c = await make.customer({
        tier: Tier.MASS,
        kycStatus: values.kycStatus ?? KycStatus.VERIFIED,
        birthDate: '1980-01-01',
      });
      await make.customerTag(c.id, tag.id);
      await make.consent(c.id, { purpose: ConsentPurpose.PERSONALISED_MARKETING, channel: null });
      await make.consent(c.id, { purpose: ConsentPurpose.MARKETING, channel: Channel.MOBILE_APP });
      await make.riskAssessment(c.id, {
        riskTolerance: values.tolerance ?? RiskTolerance.C4,
        validUntil: '2099-01-01',
      });
      for (const at of contacts) await storedContact(c.id, at, flags);
      return c.id;
    };
    const monthStart = shanghai(months.thisMonth);
    const twoThisMonth = [monthStart, new Date(monthStart.getTime() + 60_000)];
    const twoLastMonth = [new Date(monthStart.getTime() - 60_000), new Date(monthStart.getTime() - 120_000)];
    const ids = {
      capped: await customer(twoThisMonth),
      cappedAndKyc: await customer(twoThisMonth, [], { kycStatus: KycStatus.PENDING }),
      cappedAndUnsuitable: await customer(twoThisMonth, [], { tolerance: RiskTolerance.C1 }),
      oneLeft: await customer([monthStart]),
      flaggedOnly: await customer(twoThisMonth, [ComplianceFlag.NO_CONSENT]),
      lastMonth: await customer(twoLastMonth),
    };
    return { ids, tagCode: tag.code };
  }

  async function enrol(ids: string[] | null, tagCode: string) {
    const manager = { sub: (await make.staff()).id, roles: [Role.MARKETING_MANAGER] };
    const product = await make.product({ riskLevel: RiskLevel.R3 });
    const campaign = await make.campaign({
      status: CampaignStatus.APPROVED,
      channels: [Channel.MOBILE_APP],
      productId: product.id,
      targetTagCodes: [tagCode],
    });
    // Read by an auditor: the manager's counts of a few customers are withheld (small-cohort suppression).
    const res = await enrollAndWait(app, { c: campaign.id, ids }, manager, RUN_RESULT, { readAs: AUDITOR });
    expect(res.errors).toBeUndefined();
    const reasons = Object.fromEntries(
      res.data.enrollCustomers.skippedCustomers.edges.map((e: any) => [e.node.customerId, e.node.reason]),
    );
    return { ...res.data.enrollCustomers, reasons };
  }

  it.each([
    ['listed', true],
    ["found by the campaign's criteria", false],
  ])(
    "skips a customer %s whose month's contacts are used up as FREQUENCY_CAPPED, after KYC and before suitability",
    async (_how, listed) => {
      const { ids, tagCode } = await capWorld();
      const run = await enrol(listed ? Object.values(ids) : null, tagCode);
      expect(run.reasons).toEqual({
        [ids.capped]: 'FREQUENCY_CAPPED',
        [ids.cappedAndKyc]: 'KYC_NOT_CURRENT',
        [ids.cappedAndUnsuitable]: 'FREQUENCY_CAPPED',
      });
      expect(run.enrolled).toBe(3);
      expect(run.skipped).toContainEqual({ reason: 'FREQUENCY_CAPPED', count: 2 });
    },
  );
});

describe('under concurrency', () => {
  it('gives the last slot to one of several simultaneous contacts, across campaigns and channels', async () => {
    // Several rounds, each on its own day: every round is a fresh race for that day's one slot.
    for (const day of ['2026-11-02', '2026-11-03', '2026-11-04']) {
      const who = await customerOf(Tier.PRIVATE_BANKING, { campaigns: 2 });
      const racers = Array.from({ length: 6 }, (_, i) =>
        contact(who, shanghai(day, '10:00:00'), {
          campaign: i % 2,
          channel: i % 2 ? Channel.WECHAT : Channel.MOBILE_APP,
        }),
      );
      const flags = (await Promise.all(racers)).map((r) => r.flags);
      expect(flags.filter((f) => f.length === 0)).toHaveLength(1);
      expect(flags.filter((f) => f.length > 0)).toEqual(Array(5).fill([ComplianceFlag.FREQUENCY_CAPPED]));
      const statuses = await Promise.all(who.campaigns.map((c) => enrolmentStatus(c.id, who.customer.id)));
      expect(statuses.sort()).toEqual(['CONTACTED', 'TARGETED']);
    }
  });
});
