import { Role, Scope } from '../../src/auth/roles';
import { loadConfig } from '../../src/config';
import { ConsentPurpose } from '../../src/modules/consent/consent.enums';
import { LifecycleStage } from '../../src/modules/customer/customer.enums';
import { SegmentRefresher } from '../../src/modules/customer/segment-refresh-loop';
import { queuedCustomerIds, waitForSegmentRefresh } from '../support/segment-refresh';
import { useTestApp } from '../support/test-app';

const { app, make } = useTestApp();

const RECORD = `mutation ($input: RecordInteractionInput!) { recordInteraction(input: $input) { id } }`;
const partner = { sub: 'partner-bank-a', roles: [Role.PARTNER], scopes: [Scope.INTERACTIONS_WRITE] };

async function consenting() {
  const customer = await make.partnerSharedCustomer();
  return customer;
}

const input = (customerNo: string, overrides: Record<string, unknown> = {}) => ({
  customerNo,
  channel: 'PARTNER',
  type: 'INQUIRY',
  occurredAt: '2026-11-26T08:00:00.000Z',
  summary: '咨询基金定投',
  ...overrides,
});

const interactionsOf = async (customerId: string) =>
  (await app.ds.query(`SELECT count(*)::int AS count FROM interaction WHERE customer_id = $1`, [customerId]))[0].count;

describe('recordInteraction by a partner', () => {
  it('writes once per Idempotency-Key and replays the first result', async () => {
    const customer = await consenting();
    const headers = { 'idempotency-key': `k-${customer.id}` };
    const first = await app.gql(RECORD, { input: input(customer.customerNo) }, { as: partner, headers });
    const again = await app.gql(RECORD, { input: input(customer.customerNo) }, { as: partner, headers });
    expect(first.errors).toBeUndefined();
    expect(again.data).toEqual(first.data);
    expect(await interactionsOf(customer.id)).toBe(1);
  });

  it('answers CONFLICT for the same key with a different input', async () => {
    const customer = await consenting();
    const headers = { 'idempotency-key': `c-${customer.id}` };
    await app.gql(RECORD, { input: input(customer.customerNo) }, { as: partner, headers });
    const other = await app.gql(
      RECORD,
      { input: input(customer.customerNo, { summary: '另一件事' }) },
      { as: partner, headers },
    );
    expect(other.errors?.[0].extensions.code).toBe('CONFLICT');
    expect(await interactionsOf(customer.id)).toBe(1);
  });

  it('writes exactly once when identical requests race', async () => {
    const customer = await consenting();
    const body = { input: input(customer.customerNo, { externalRef: `race-${customer.id}` }) };
    const results = await Promise.all(Array.from({ length: 8 }, () => app.gql(RECORD, body, { as: partner })));
    const ids = new Set(results.map((r) => r.data?.recordInteraction?.id));
    expect(results.every((r) => !r.errors || r.errors[0].extensions.code === 'CONFLICT')).toBe(true);
    expect(ids.size).toBe(1);
    expect(await interactionsOf(customer.id)).toBe(1);
  });

  it('needs a key or an externalRef', async () => {
    const customer = await consenting();
    const res = await app.gql(RECORD, { input: input(customer.customerNo) }, { as: partner });
    expect(res.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('cannot tell a customer without partner-sharing consent from a missing one', async () => {
    const noConsent = await make.customer();
    const a = await app.gql(RECORD, { input: input(noConsent.customerNo, { externalRef: 'x1' }) }, { as: partner });
    const b = await app.gql(RECORD, { input: input('NO-SUCH-CUSTOMER', { externalRef: 'x2' }) }, { as: partner });
    expect(a.errors?.[0].extensions.code).toBe('NOT_FOUND');
    expect(a.errors?.[0].message).toBe(b.errors?.[0].message);
    expect(await interactionsOf(noConsent.id)).toBe(0);
  });

  it('needs the interactions:write scope', async () => {
    const customer = await consenting();
    const leadsOnly = { ...partner, scopes: [Scope.LEADS_WRITE] };
    const res = await app.gql(RECORD, { input: input(customer.customerNo, { externalRef: 'y' }) }, { as: leadsOnly });
    expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
  });
});

describe('recordInteraction by staff', () => {
  it('works within scope without a key, and is audited', async () => {
    const rm = await make.staff();
    const customer = await make.customer({ branchId: rm.branchId, relationshipManagerId: rm.id });
    const res = await app.gql(
      RECORD,
      { input: input(customer.customerNo, { channel: 'BRANCH', type: 'VISIT' }) },
      {
        as: { sub: rm.id, roles: [Role.RELATIONSHIP_MANAGER] },
      },
    );
    expect(res.errors).toBeUndefined();
    const [audit] = await app.ds.query(`SELECT operation, actor_id FROM audit_record WHERE customer_id = $1`, [
      customer.id,
    ]);
    expect(audit).toEqual({ operation: 'recordInteraction', actor_id: rm.id });
  });
});

describe('registerLead', () => {
  const LEAD = `mutation ($input: RegisterLeadInput!) { registerLead(input: $input) { id } }`;
  const leadPartner = { sub: 'partner-leads', roles: [Role.PARTNER], scopes: [Scope.LEADS_WRITE] };

  it('registers a prospect once per externalRef, and keeps the phone out of the audit record', async () => {
    const lead = {
      name: '赵六',
      phone: '13600001234',
      sourceChannel: 'PARTNER',
      consentReference: 'consent-1',
      productInterest: '基金',
      externalRef: 'lead-1',
    };
    const first = await app.gql(LEAD, { input: lead }, { as: leadPartner });
    const again = await app.gql(LEAD, { input: lead }, { as: leadPartner });
    expect(first.errors).toBeUndefined();
    expect(again.data).toEqual(first.data);
    // The phone is stored encrypted (README "Data protection"): the lead is found by the partner who registered it.
    const [{ count }] = await app.ds.query(
      `SELECT count(*)::int AS count FROM lead WHERE registered_by = 'partner-leads' AND product_interest = '基金'`,
    );
    expect(count).toBe(1);
    const audit = await app.ds.query(
      `SELECT detail::text AS detail FROM audit_record WHERE operation = 'registerLead'`,
    );
    expect(audit.map((r: any) => r.detail).join()).not.toContain('13600001234');
  });

  it('refuses a malformed phone as BAD_USER_INPUT naming the field', async () => {
    const res = await app.gql(
      LEAD,
      {
        input: {
          name: '赵六',
          phone: '12345',
          sourceChannel: 'PARTNER',
          consentReference: 'consent-2',
          externalRef: 'lead-2',
        },
      },
      {
        as: leadPartner,
      },
    );
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.phone' });
  });
});

describe('recordCampaignResponse', () => {
  const RESPOND = `mutation ($input: CampaignResponseInput!) { recordCampaignResponse(input: $input) { status } }`;
  const responder = { sub: 'partner-respond', roles: [Role.PARTNER], scopes: [Scope.CAMPAIGNS_RESPOND] };

  it('moves an enrolment forward to RESPONDED then CONVERTED with revenue, never back', async () => {
    const customer = await consenting();
    const campaign = await make.campaign({ status: 'ACTIVE' as never });
    await make.enrollment(campaign.id, customer.id);
    const respond = (converted: boolean, externalRef: string, revenue = '0.00') =>
      app.gql(
        RESPOND,
        { input: { campaignId: campaign.id, customerNo: customer.customerNo, converted, revenue, externalRef } },
        {
          as: responder,
        },
      );
    expect((await respond(false, 'r1')).data.recordCampaignResponse.status).toBe('RESPONDED');
    expect((await respond(true, 'r2', '1200.00')).data.recordCampaignResponse.status).toBe('CONVERTED');
    expect((await respond(true, 'r2', '1200.00')).data.recordCampaignResponse.status).toBe('CONVERTED');
    // To a partner, no error names an enrolment status (PRODUCT.md §4).
    const backwards = (await respond(false, 'r3')).errors?.[0];
    expect(backwards?.extensions.code).toBe('CONFLICT');
    expect(backwards?.extensions).not.toHaveProperty('currentStatus');
    expect(backwards?.message).not.toMatch(/TARGETED|CONTACTED|RESPONDED|CONVERTED|OPTED_OUT/);
    const [row] = await app.ds.query(`SELECT status, revenue FROM campaign_enrollment WHERE customer_id = $1`, [
      customer.id,
    ]);
    expect(row).toEqual({ status: 'CONVERTED', revenue: '1200.00' });
  });

  it('answers NOT_FOUND for a customer who is not enrolled', async () => {
    const customer = await consenting();
    const campaign = await make.campaign({ status: 'ACTIVE' as never });
    const res = await app.gql(
      RESPOND,
      {
        input: { campaignId: campaign.id, customerNo: customer.customerNo, converted: false, externalRef: 'n1' },
      },
      { as: responder },
    );
    expect(res.errors?.[0].extensions.code).toBe('NOT_FOUND');
  });
});

describe('a campaign contact', () => {
  it('moves the enrolment from TARGETED to CONTACTED, and needs the campaign', async () => {
    const agent = { sub: (await make.staff()).id, roles: [Role.CALL_CENTER_AGENT] };
    const customer = await make.customer();
    await make.consent(customer.id, { purpose: ConsentPurpose.MARKETING, channel: 'CALL_CENTER' as never });
    await make.consent(customer.id, { purpose: ConsentPurpose.PERSONALISED_MARKETING, channel: null });
    const campaign = await make.campaign({ status: 'ACTIVE' as never, channels: ['CALL_CENTER' as never] });
    await make.enrollment(campaign.id, customer.id, { channel: 'CALL_CENTER' as never });
    const contact = (campaignId: string | undefined) =>
      app.gql(
        RECORD,
        { input: input(customer.customerNo, { channel: 'CALL_CENTER', type: 'CAMPAIGN_CONTACT', campaignId }) },
        { as: agent },
      );
    expect((await contact(undefined)).errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.campaignId',
    });
    expect((await contact(campaign.id)).errors).toBeUndefined();
    const [row] = await app.ds.query(`SELECT status, contacted_at FROM campaign_enrollment WHERE customer_id = $1`, [
      customer.id,
    ]);
    expect(row).toEqual({ status: 'CONTACTED', contacted_at: new Date('2026-11-26T08:00:00.000Z') });
  });
});

describe('segments after a write', () => {
  it('are refreshed after commit: a dormant customer whose login is recorded is ACTIVE once the queue has drained', async () => {
    const rm = await make.staff();
    const customer = await make.customer({
      branchId: rm.branchId,
      relationshipManagerId: rm.id,
      onboardedOn: '2015-01-01',
      lifecycleStage: LifecycleStage.DORMANT,
    });
    const stage = async () =>
      (await app.ds.query(`SELECT lifecycle_stage AS stage FROM customer WHERE id = $1`, [customer.id]))[0].stage;
    const res = await app.gql(
      RECORD,
      {
        input: input(customer.customerNo, {
          type: 'LOGIN',
          channel: 'MOBILE_APP',
          occurredAt: new Date().toISOString(),
        }),
      },
      {
        as: { sub: rm.id, roles: [Role.RELATIONSHIP_MANAGER] },
      },
    );
    expect(res.errors).toBeUndefined();
    // The write has committed and nothing drains the queue yet (the test server runs no refresher): the
    // transaction that recorded the login left the stage as it was and queued the customer.
    expect(await stage()).toBe(LifecycleStage.DORMANT);
    expect(await queuedCustomerIds(app.ds)).toContain(customer.id);

    const refresher = new SegmentRefresher(app.ds, loadConfig({ SEGMENT_REFRESH_POLL_MS: '20' }), {
      log: { error: () => undefined },
    });
    refresher.start();
    try {
      await waitForSegmentRefresh(app.ds);
    } finally {
      await refresher.stop();
    }
    expect(await stage()).toBe(LifecycleStage.ACTIVE);
  });
});

describe('which writes ask for a segment refresh', () => {
  it('queues the customer for a login, a transaction or a complaint, and not for what the segment facts never read', async () => {
    const rm = await make.staff();
    const as = { sub: rm.id, roles: [Role.RELATIONSHIP_MANAGER] };
    const queuedAfter = async (type: string, channel: string) => {
      const customer = await make.customer({ branchId: rm.branchId, relationshipManagerId: rm.id });
      const res = await app.gql(
        RECORD,
        { input: input(customer.customerNo, { type, channel, occurredAt: new Date().toISOString() }) },
        { as },
      );
      expect(res.errors).toBeUndefined();
      return (await queuedCustomerIds(app.ds)).includes(customer.id);
    };
    expect(await queuedAfter('LOGIN', 'MOBILE_APP')).toBe(true);
    expect(await queuedAfter('TRANSACTION', 'BRANCH')).toBe(true);
    expect(await queuedAfter('COMPLAINT', 'CALL_CENTER')).toBe(true);
    expect(await queuedAfter('INQUIRY', 'BRANCH')).toBe(false);
    expect(await queuedAfter('PRODUCT_VIEW', 'WEB')).toBe(false);
    expect(await queuedAfter('VISIT', 'BRANCH')).toBe(false);
  });

  it("leaves a partner's inquiry out of the queue: it cannot change the customer's segments", async () => {
    const customer = await consenting();
    const res = await app.gql(
      RECORD,
      { input: input(customer.customerNo) },
      { as: partner, headers: { 'idempotency-key': `no-refresh-${customer.id}` } },
    );
    expect(res.errors).toBeUndefined();
    expect(await queuedCustomerIds(app.ds)).not.toContain(customer.id);
  });
});

describe('a malformed Idempotency-Key', () => {
  it('is refused as BAD_REQUEST rather than ignored', async () => {
    const customer = await consenting();
    const res = await app.gql(
      RECORD,
      { input: input(customer.customerNo, { externalRef: 'z' }) },
      {
        as: partner,
        headers: { 'idempotency-key': 'has spaces in it' },
      },
    );
    expect(res.status).toBe(400);
    expect(res.errors?.[0].extensions).toEqual({ code: 'BAD_REQUEST', requestId: res.headers.get('x-request-id') });
    expect(await interactionsOf(customer.id)).toBe(0);
  });
});

/** An error as a client compares it: everything but the request id, which differs per request by design. */
const comparable = (error: any) => {
  const { requestId, ...extensions } = error.extensions;
  expect(requestId).toEqual(expect.any(String));
  return { ...error, extensions };
};

describe('a partner learns nothing about customers it may not see (PRODUCT.md §4)', () => {
  const writer = {
    sub: 'partner-probe',
    roles: [Role.PARTNER],
    scopes: [Scope.INTERACTIONS_WRITE, Scope.LEADS_WRITE, Scope.CAMPAIGNS_RESPOND],
  };
  const RESPOND = `mutation ($input: CampaignResponseInput!) { recordCampaignResponse(input: $input) { status } }`;
  const LEAD = `mutation ($input: RegisterLeadInput!) { registerLead(input: $input) { id } }`;
  let ref = 0;
  const nextRef = () => `probe-${++ref}`;

  it('recordInteraction: missing, not consenting, not enrolled in the named campaign and opted out of it are one and the same error', async () => {
    const notConsenting = await make.customer();
    const notEnrolled = await consenting();
    const campaign = await make.campaign({ status: 'ACTIVE' as never });
    const optedOut = await consenting();
    await make.enrollment(campaign.id, optedOut.id, { status: 'OPTED_OUT' as never });
    const attempt = (customerNo: string, campaignId?: string) =>
      app.gql(RECORD, { input: input(customerNo, { campaignId, externalRef: nextRef() }) }, { as: writer });

    const errors = [
      await attempt('NO-SUCH-CUSTOMER', campaign.id),
      await attempt(notConsenting.customerNo, campaign.id),
      await attempt(notEnrolled.customerNo, campaign.id),
      await attempt(optedOut.customerNo, campaign.id),
    ].map((res) => {
      expect(res.errors).toHaveLength(1);
      return comparable(res.errors![0]);
    });
    expect(errors[0].extensions.code).toBe('NOT_FOUND');
    errors.slice(1).forEach((error) => expect(error).toEqual(errors[0]));
    for (const customer of [notConsenting, notEnrolled, optedOut]) expect(await interactionsOf(customer.id)).toBe(0);
  });

  it('recordCampaignResponse: missing, not consenting, not enrolled and opted out of the campaign are one and the same error', async () => {
    const campaign = await make.campaign({ status: 'ACTIVE' as never });
    const notConsenting = await make.customer();
    await make.enrollment(campaign.id, notConsenting.id);
    const notEnrolled = await consenting();
    const optedOut = await consenting();
    await make.enrollment(campaign.id, optedOut.id, { status: 'OPTED_OUT' as never });
    const attempt = (customerNo: string) =>
      app.gql(
        RESPOND,
        { input: { campaignId: campaign.id, customerNo, converted: false, externalRef: nextRef() } },
        { as: writer },
      );

    const errors = [
      await attempt('NO-SUCH-CUSTOMER'),
      await attempt(notConsenting.customerNo),
      await attempt(notEnrolled.customerNo),
      await attempt(optedOut.customerNo),
    ].map((res) => {
      expect(res.errors).toHaveLength(1);
      return comparable(res.errors![0]);
    });
    expect(errors[0].extensions.code).toBe('NOT_FOUND');
    errors.slice(1).forEach((error) => expect(error).toEqual(errors[0]));
    // And the same error as recordInteraction gives, so the operations cannot be played off against each other.
    const viaInteraction = await app.gql(
      RECORD,
      { input: input('NO-SUCH-CUSTOMER', { externalRef: nextRef() }) },
      { as: writer },
    );
    const { path: _p1, locations: _l1, ...a } = comparable(viaInteraction.errors![0]);
    const { path: _p2, locations: _l2, ...b } = errors[0];
    expect(a).toEqual(b);
  });

  it('registerLead: a customer number that is missing or not consenting gives one and the same error', async () => {
    const notConsenting = await make.customer();
    const lead = (customerNo: string) => ({
      name: '赵六',
      phone: '13600004321',
      sourceChannel: 'PARTNER',
      consentReference: 'consent-3',
      customerNo,
      externalRef: nextRef(),
    });
    const [missing, refused] = [
      await app.gql(LEAD, { input: lead('NO-SUCH-CUSTOMER') }, { as: writer }),
      await app.gql(LEAD, { input: lead(notConsenting.customerNo) }, { as: writer }),
    ].map((res) => comparable(res.errors![0]));
    expect(missing.extensions.code).toBe('NOT_FOUND');
    expect(refused).toEqual(missing);
  });
});

describe('what a partner may record (PRODUCT.md §4)', () => {
  it('INQUIRY and PRODUCT_VIEW on channel PARTNER', async () => {
    const customer = await consenting();
    for (const type of ['INQUIRY', 'PRODUCT_VIEW']) {
      const res = await app.gql(
        RECORD,
        { input: input(customer.customerNo, { type, externalRef: `ok-${type}` }) },
        { as: partner },
      );
      expect(res.errors).toBeUndefined();
    }
    expect(await interactionsOf(customer.id)).toBe(2);
  });

  it.each(['MOBILE_APP', 'BRANCH', 'CALL_CENTER', 'WECHAT', 'WEB'])(
    'not on channel %s: BAD_USER_INPUT naming input.channel',
    async (channel) => {
      const customer = await consenting();
      const res = await app.gql(
        RECORD,
        { input: input(customer.customerNo, { channel, externalRef: `ch-${channel}` }) },
        { as: partner },
      );
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.channel' });
      expect(await interactionsOf(customer.id)).toBe(0);
    },
  );

  it.each(['LOGIN', 'COMPLAINT', 'TRANSACTION', 'VISIT', 'CAMPAIGN_CONTACT', 'CAMPAIGN_RESPONSE'])(
    'not of type %s: BAD_USER_INPUT naming input.type',
    async (type) => {
      const customer = await consenting();
      const res = await app.gql(
        RECORD,
        { input: input(customer.customerNo, { type, externalRef: `ty-${type}` }) },
        { as: partner },
      );
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.type' });
      expect(await interactionsOf(customer.id)).toBe(0);
    },
  );

  it('is checked before the customer is looked up, so a refused input says nothing about the customer', async () => {
    const res = await app.gql(
      RECORD,
      { input: input('NO-SUCH-CUSTOMER', { channel: 'BRANCH', externalRef: 'before-db' }) },
      { as: partner },
    );
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.channel' });
  });
});

describe('a partner responding for a campaign that is not running (found by a hostile review)', () => {
  it('gets the same NOT_FOUND as for a customer never enrolled: no campaign status, no past enrolment revealed', async () => {
    const responder = { sub: 'partner-review', roles: [Role.PARTNER], scopes: [Scope.CAMPAIGNS_RESPOND] };
    const customer = await consenting();
    const completed = await make.campaign({ status: 'COMPLETED' as never });
    await make.enrollment(completed.id, customer.id);
    const never = await make.campaign({ status: 'ACTIVE' as never });
    const respond = (campaignId: string, externalRef: string) =>
      app.gql(
        `mutation ($input: CampaignResponseInput!) { recordCampaignResponse(input: $input) { status } }`,
        { input: { campaignId, customerNo: customer.customerNo, converted: false, externalRef } },
        { as: responder },
      );
    const past = await respond(completed.id, 'review-1');
    const notEnrolled = await respond(never.id, 'review-2');
    expect(past.errors?.map(comparable)).toEqual(notEnrolled.errors?.map(comparable));
    expect(past.errors?.[0].extensions.code).toBe('NOT_FOUND');
  });
});
