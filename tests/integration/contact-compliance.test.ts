import { Role, Scope } from '../../src/auth/roles';
import { TokenClaims } from '../../src/auth/token-issuer';
import { CampaignStatus, EnrollmentStatus } from '../../src/modules/campaign/campaign.enums';
import { ConsentPurpose } from '../../src/modules/consent/consent.enums';
import { Channel } from '../../src/modules/interaction/interaction.enums';
import { AUDITOR, useTestApp } from '../support/test-app';

/**
 * PRODUCT.md §4: consent is checked before a contact (contactCheck), and a
 * campaign contact that breached it is kept as evidence, flagged, audited and
 * listed for auditors, without advancing the enrolment.
 */
const { app, make } = useTestApp();

const CHECK = `query ($c: ID!, $k: ID!, $ch: Channel!) {
  contactCheck(customerId: $c, campaignId: $k, channel: $ch) { allowed reasons } }`;
const RECORD = `mutation ($input: RecordInteractionInput!) { recordInteraction(input: $input) { id } }`;
const RESPOND = `mutation ($input: CampaignResponseInput!) { recordCampaignResponse(input: $input) { status } }`;
const EXCEPTIONS = `query ($first: Int, $after: String) {
  contactExceptions(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      customerId campaignId complianceFlags recordedBy recordedByPartner
      interaction { id type channel summary complianceFlags }
    } }
  } }`;
const INTERACTIONS = `query ($id: ID!) { customer(id: $id) { interactions { edges { node { id complianceFlags } } } } }`;

type Consents = { personalised?: boolean; marketing?: Partial<Record<Channel, boolean>> };

/** A relationship manager's own customer, enrolled (TARGETED, on MOBILE_APP) in an active campaign. */
async function enrolledCustomer(consents: Consents) {
  const rm = await make.staff();
  const customer = await make.customer({ branchId: rm.branchId, relationshipManagerId: rm.id });
  if (consents.personalised !== undefined) {
    await make.consent(customer.id, {
      purpose: ConsentPurpose.PERSONALISED_MARKETING,
      channel: null,
      granted: consents.personalised,
    });
  }
  for (const [channel, granted] of Object.entries(consents.marketing ?? {})) {
    await make.consent(customer.id, { purpose: ConsentPurpose.MARKETING, channel: channel as Channel, granted });
  }
  const campaign = await make.campaign({
    status: CampaignStatus.ACTIVE,
    channels: [Channel.MOBILE_APP, Channel.WECHAT],
  });
  await make.enrollment(campaign.id, customer.id, { channel: Channel.MOBILE_APP });
  const as: TokenClaims = { sub: rm.id, roles: [Role.RELATIONSHIP_MANAGER], branchId: rm.branchId };
  return { rm, customer, campaign, as };
}

const fullConsent: Consents = { personalised: true, marketing: { [Channel.MOBILE_APP]: true } };

async function check(customerId: string, campaignId: string, channel: Channel, as: TokenClaims) {
  const res = await app.gql(CHECK, { c: customerId, k: campaignId, ch: channel }, { as });
  expect(res.errors).toBeUndefined();
  return res.data.contactCheck;
}

function contact(customerNo: string, campaignId: string, channel: Channel, as: TokenClaims, occurredAt?: string) {
  return app.gql(
    RECORD,
    {
      input: {
        customerNo,
        campaignId,
        channel,
        type: 'CAMPAIGN_CONTACT',
        occurredAt: occurredAt ?? '2026-11-20T02:00:00.000Z',
        summary: '介绍理财新品',
      },
    },
    { as },
  );
}

const enrolmentOf = async (campaignId: string, customerId: string) =>
  (
    await app.ds.query(
      `SELECT status, contacted_at FROM campaign_enrollment WHERE campaign_id = $1 AND customer_id = $2`,
      [campaignId, customerId],
    )
  )[0];

const auditDetailOf = async (interactionId: string) =>
  (
    await app.ds.query(
      `SELECT detail FROM audit_record WHERE operation = 'recordInteraction' AND detail->>'interactionId' = $1`,
      [interactionId],
    )
  ).map((r: { detail: unknown }) => r.detail);

/** Every node of the exception list, paged through as an auditor does, with the total it reported. */
async function allExceptions(pageSize: number) {
  const nodes: any[] = [];
  let after: string | null = null;
  let totalCount = -1;
  for (;;) {
    const res: any = await app.gql(EXCEPTIONS, { first: pageSize, after });
    expect(res.errors).toBeUndefined();
    const page = res.data.contactExceptions;
    totalCount = page.totalCount;
    nodes.push(...page.edges.map((e: any) => e.node));
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  return { nodes, totalCount };
}

describe('contactCheck', () => {
  it('allows a contact on a channel the customer consented to, with personalised marketing granted', async () => {
    const { customer, campaign, as } = await enrolledCustomer(fullConsent);
    expect(await check(customer.id, campaign.id, Channel.MOBILE_APP, as)).toEqual({ allowed: true, reasons: [] });
  });

  it('answers NO_CONSENT on a channel without a granted marketing consent, withdrawn or never recorded', async () => {
    const { customer, campaign, as } = await enrolledCustomer({
      personalised: true,
      marketing: { [Channel.MOBILE_APP]: true, [Channel.BRANCH]: false },
    });
    const refused = { allowed: false, reasons: ['NO_CONSENT'] };
    expect(await check(customer.id, campaign.id, Channel.WECHAT, as)).toEqual(refused);
    expect(await check(customer.id, campaign.id, Channel.BRANCH, as)).toEqual(refused);
  });

  it('answers NO_CONSENT when personalised marketing was never recorded: a missing record is not a withdrawal', async () => {
    const { customer, campaign, as } = await enrolledCustomer({ marketing: { [Channel.MOBILE_APP]: true } });
    expect(await check(customer.id, campaign.id, Channel.MOBILE_APP, as)).toEqual({
      allowed: false,
      reasons: ['NO_CONSENT'],
    });
  });

  it('answers OPTED_OUT for an explicit withdrawal, ahead of any missing channel consent', async () => {
    const { customer, campaign, as } = await enrolledCustomer({
      personalised: false,
      marketing: { [Channel.MOBILE_APP]: true },
    });
    const optedOut = { allowed: false, reasons: ['OPTED_OUT'] };
    expect(await check(customer.id, campaign.id, Channel.MOBILE_APP, as)).toEqual(optedOut);
    // WECHAT lacks channel consent as well; the withdrawal is what the caller must hear.
    expect(await check(customer.id, campaign.id, Channel.WECHAT, as)).toEqual(optedOut);
  });

  it('answers null, like customer(id), for a customer outside the caller’s scope, a missing one, or one not enrolled', async () => {
    const { customer, campaign, as } = await enrolledCustomer(fullConsent);
    const stranger = await enrolledCustomer(fullConsent);
    const notEnrolled = await make.campaign({ status: CampaignStatus.ACTIVE });
    const missing = '5b0c3f7e-2d7a-4c55-9a1e-3c2b1a0f9e8d';
    for (const [c, k] of [
      [stranger.customer.id, stranger.campaign.id],
      [missing, campaign.id],
      [customer.id, notEnrolled.id],
      [customer.id, missing],
    ]) {
      expect(await check(c, k, Channel.MOBILE_APP, as)).toBeNull();
    }
    // A call-centre agent sees every customer; branch staff only their branch's.
    const agent = { sub: (await make.staff()).id, roles: [Role.CALL_CENTER_AGENT] };
    expect(await check(stranger.customer.id, stranger.campaign.id, Channel.MOBILE_APP, agent)).toEqual({
      allowed: true,
      reasons: [],
    });
    const clerk = { sub: (await make.staff()).id, roles: [Role.BRANCH_STAFF], branchId: customer.branchId };
    expect(await check(customer.id, campaign.id, Channel.MOBILE_APP, clerk)).not.toBeNull();
    expect(await check(stranger.customer.id, stranger.campaign.id, Channel.MOBILE_APP, clerk)).toBeNull();
  });

  it('is refused to callers who may not record a contact, and a malformed id is BAD_USER_INPUT', async () => {
    const { customer, campaign, as } = await enrolledCustomer(fullConsent);
    const vars = { c: customer.id, k: campaign.id, ch: 'MOBILE_APP' };
    for (const caller of [
      { sub: (await make.staff()).id, roles: [Role.MARKETING_MANAGER] },
      { sub: (await make.staff()).id, roles: [Role.RISK_OFFICER] },
      AUDITOR,
      { sub: 'partner-x', roles: [Role.PARTNER], scopes: [Scope.INTERACTIONS_WRITE] },
    ]) {
      const res = await app.gql(CHECK, vars, { as: caller });
      expect({ roles: caller.roles, code: res.errors?.[0].extensions.code }).toEqual({
        roles: caller.roles,
        code: 'FORBIDDEN',
      });
    }
    const bad = await app.gql(CHECK, { ...vars, c: 'not-an-id' }, { as });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'customerId' });
  });
});

describe('a campaign contact that breached consent', () => {
  it('is recorded with its flag, leaves the enrolment TARGETED, and its audit record names the flag', async () => {
    const { customer, campaign, as } = await enrolledCustomer(fullConsent);
    const res = await contact(customer.customerNo, campaign.id, Channel.WECHAT, as);
    expect(res.errors).toBeUndefined();
    const id = res.data.recordInteraction.id;

    const [row] = await app.ds.query(`SELECT compliance_flags FROM interaction WHERE id = $1`, [id]);
    expect(row.compliance_flags).toEqual(['NO_CONSENT']);
    expect(await enrolmentOf(campaign.id, customer.id)).toEqual({ status: 'TARGETED', contacted_at: null });
    expect(await auditDetailOf(id)).toEqual([expect.objectContaining({ complianceFlags: ['NO_CONSENT'] })]);

    // The caller who recorded it sees the flag on the customer's history.
    const seen = await app.gql(INTERACTIONS, { id: customer.id }, { as });
    expect(seen.data.customer.interactions.edges.map((e: any) => e.node)).toEqual([
      { id, complianceFlags: ['NO_CONSENT'] },
    ]);
  });

  it('to an opted-out customer is flagged OPTED_OUT, and an enrolment already CONTACTED stays as it was', async () => {
    const { customer, campaign, as } = await enrolledCustomer({
      personalised: false,
      marketing: { [Channel.MOBILE_APP]: true },
    });
    await app.ds.query(
      `UPDATE campaign_enrollment SET status = 'CONTACTED', contacted_at = $2 WHERE customer_id = $1`,
      [customer.id, new Date('2026-11-01T00:00:00Z')],
    );
    const res = await contact(customer.customerNo, campaign.id, Channel.MOBILE_APP, as);
    const [row] = await app.ds.query(`SELECT compliance_flags FROM interaction WHERE id = $1`, [
      res.data.recordInteraction.id,
    ]);
    expect(row.compliance_flags).toEqual(['OPTED_OUT']);
    expect(await enrolmentOf(campaign.id, customer.id)).toEqual({
      status: 'CONTACTED',
      contacted_at: new Date('2026-11-01T00:00:00Z'),
    });
  });

  it('appears in the exception list, which an auditor pages through newest first and nobody else may read', async () => {
    const optedOut = await enrolledCustomer({ personalised: false, marketing: { [Channel.MOBILE_APP]: true } });
    const noConsent = await enrolledCustomer({ personalised: true });
    const clean = await enrolledCustomer(fullConsent);
    const older = await contact(
      optedOut.customer.customerNo,
      optedOut.campaign.id,
      Channel.MOBILE_APP,
      optedOut.as,
      '2026-10-01T01:00:00.000Z',
    );
    const newer = await contact(
      noConsent.customer.customerNo,
      noConsent.campaign.id,
      Channel.MOBILE_APP,
      noConsent.as,
      '2026-10-02T01:00:00.000Z',
    );
    const allowed = await contact(clean.customer.customerNo, clean.campaign.id, Channel.MOBILE_APP, clean.as);
    // Not a campaign contact, so never an exception whatever the consent.
    const inquiry = await app.gql(
      RECORD,
      {
        input: {
          customerNo: noConsent.customer.customerNo,
          channel: 'BRANCH',
          type: 'INQUIRY',
          occurredAt: '2026-10-03T01:00:00.000Z',
        },
      },
      { as: noConsent.as },
    );
    const [olderId, newerId, allowedId, inquiryId] = [older, newer, allowed, inquiry].map(
      (r) => r.data.recordInteraction.id,
    );

    // Pages of one make every cursor count: a row skipped or repeated between pages shows up here.
    const { nodes, totalCount } = await allExceptions(1);
    expect(nodes).toHaveLength(totalCount);
    const ids = nodes.map((n) => n.interaction.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).not.toContain(allowedId);
    expect(ids).not.toContain(inquiryId);
    expect(ids.indexOf(newerId)).toBeLessThan(ids.indexOf(olderId));
    expect(ids.indexOf(olderId)).toBeGreaterThanOrEqual(0);
    expect(nodes.find((n) => n.interaction.id === olderId)).toEqual({
      customerId: optedOut.customer.id,
      campaignId: optedOut.campaign.id,
      complianceFlags: ['OPTED_OUT'],
      recordedBy: optedOut.rm.id,
      recordedByPartner: false,
      interaction: {
        id: olderId,
        type: 'CAMPAIGN_CONTACT',
        channel: 'MOBILE_APP',
        summary: '介绍理财新品',
        complianceFlags: ['OPTED_OUT'],
      },
    });
    expect(nodes.find((n) => n.interaction.id === newerId).complianceFlags).toEqual(['NO_CONSENT']);

    for (const caller of [
      optedOut.as,
      { sub: (await make.staff()).id, roles: [Role.CALL_CENTER_AGENT] },
      { sub: (await make.staff()).id, roles: [Role.RISK_OFFICER] },
      { sub: (await make.staff()).id, roles: [Role.MARKETING_MANAGER] },
    ]) {
      const res = await app.gql(EXCEPTIONS, { first: 5 }, { as: caller });
      expect({ roles: caller.roles, code: res.errors?.[0].extensions.code }).toEqual({
        roles: caller.roles,
        code: 'FORBIDDEN',
      });
      expect(res.data?.contactExceptions ?? null).toBeNull();
    }
  });
});

describe('a campaign contact within consent', () => {
  it('moves the enrolment to CONTACTED and carries no flags', async () => {
    const { customer, campaign, as } = await enrolledCustomer(fullConsent);
    const res = await contact(customer.customerNo, campaign.id, Channel.MOBILE_APP, as);
    expect(res.errors).toBeUndefined();
    const id = res.data.recordInteraction.id;
    expect(await enrolmentOf(campaign.id, customer.id)).toEqual({
      status: EnrollmentStatus.CONTACTED,
      contacted_at: new Date('2026-11-20T02:00:00.000Z'),
    });
    const seen = await app.gql(INTERACTIONS, { id: customer.id }, { as });
    expect(seen.data.customer.interactions.edges[0].node).toEqual({ id, complianceFlags: [] });
    expect(await auditDetailOf(id)).toEqual([expect.objectContaining({ complianceFlags: [] })]);
  });
});

describe('recordCampaignResponse', () => {
  it('is the customer’s own action: recorded for a customer without any consent', async () => {
    const { customer, campaign, as } = await enrolledCustomer({});
    const res = await app.gql(
      RESPOND,
      { input: { campaignId: campaign.id, customerNo: customer.customerNo, converted: false } },
      { as },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.recordCampaignResponse.status).toBe('RESPONDED');
    expect((await enrolmentOf(campaign.id, customer.id)).status).toBe('RESPONDED');
  });
});
