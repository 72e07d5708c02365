import { Role } from '../../src/auth/roles';
import { CampaignStatus, EnrollmentStatus } from '../../src/modules/campaign/campaign.enums';
import { Channel } from '../../src/modules/interaction/interaction.enums';
import { useTestApp } from '../support/test-app';

const { app, make } = useTestApp();

const ASSIGN = `mutation ($c: ID!, $t: String!) { assignTag(customerId: $c, tagCode: $t) { tag { code } source confidence } }`;
const REMOVE = `mutation ($c: ID!, $t: String!) { removeTag(customerId: $c, tagCode: $t) }`;
const CONSENT = `mutation ($c: ID!, $p: ConsentPurpose!, $ch: Channel, $g: Boolean!) {
  updateConsent(customerId: $c, purpose: $p, channel: $ch, granted: $g) { purpose channel granted } }`;

async function bookOfOneManager() {
  const rm = await make.staff();
  const own = await make.customer({ branchId: rm.branchId, relationshipManagerId: rm.id });
  const other = await make.customer();
  return { as: { sub: rm.id, roles: [Role.RELATIONSHIP_MANAGER], branchId: rm.branchId }, own, other };
}

describe('tags by hand', () => {
  it('assigns a tag once however often it is asked, and removes it, each audited', async () => {
    const { as, own } = await bookOfOneManager();
    const tag = await make.tag();
    for (let i = 0; i < 2; i++) {
      const res = await app.gql(ASSIGN, { c: own.id, t: tag.code }, { as });
      expect(res.data.assignTag).toEqual({ tag: { code: tag.code }, source: 'MANUAL', confidence: 1 });
    }
    const [{ count }] = await app.ds.query(`SELECT count(*)::int AS count FROM customer_tag WHERE customer_id = $1`, [
      own.id,
    ]);
    expect(count).toBe(1);
    expect((await app.gql(REMOVE, { c: own.id, t: tag.code }, { as })).data.removeTag).toBe(true);
    expect((await app.gql(REMOVE, { c: own.id, t: tag.code }, { as })).data.removeTag).toBe(false);
    const audit = await app.ds.query(`SELECT operation FROM audit_record WHERE customer_id = $1 ORDER BY id`, [own.id]);
    expect(audit.map((r: any) => r.operation)).toEqual(['assignTag', 'assignTag', 'removeTag', 'removeTag']);
  });

  it('answers a customer outside the caller’s book as NOT_FOUND, exactly like a missing one, and writes nothing', async () => {
    const { as, other } = await bookOfOneManager();
    const tag = await make.tag();
    const outside = await app.gql(ASSIGN, { c: other.id, t: tag.code }, { as });
    const missing = await app.gql(ASSIGN, { c: '5b0c3f7e-2d7a-4c55-9a1e-3c2b1a0f9e8d', t: tag.code }, { as });
    expect(outside.errors?.[0].extensions.code).toBe('NOT_FOUND');
    expect(outside.errors?.[0].message).toBe(missing.errors?.[0].message);
    const [{ count }] = await app.ds.query(`SELECT count(*)::int AS count FROM audit_record WHERE customer_id = $1`, [
      other.id,
    ]);
    expect(count).toBe(0);
  });

  it('refuses an unknown tag as BAD_USER_INPUT, and callers the policy does not list', async () => {
    const { as, own } = await bookOfOneManager();
    expect((await app.gql(ASSIGN, { c: own.id, t: 'NO_SUCH_TAG' }, { as })).errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'tagCode',
    });
    const agent = { sub: (await make.staff()).id, roles: [Role.CALL_CENTER_AGENT] };
    expect((await app.gql(ASSIGN, { c: own.id, t: 'X' }, { as: agent })).errors?.[0].extensions.code).toBe('FORBIDDEN');
  });
});

describe('consent', () => {
  it('withdrawn on a channel, opts the customer out of active campaign contact there only', async () => {
    const customer = await make.customer();
    const active = await make.campaign({
      status: CampaignStatus.ACTIVE,
      channels: [Channel.WECHAT, Channel.MOBILE_APP],
    });
    const other = await make.campaign({ status: CampaignStatus.ACTIVE, channels: [Channel.MOBILE_APP] });
    const done = await make.campaign({ status: CampaignStatus.COMPLETED, channels: [Channel.WECHAT] });
    await make.enrollment(active.id, customer.id, { channel: Channel.WECHAT, status: EnrollmentStatus.CONTACTED });
    await make.enrollment(other.id, customer.id, { channel: Channel.MOBILE_APP });
    await make.enrollment(done.id, customer.id, { channel: Channel.WECHAT });

    const agent = { sub: (await make.staff()).id, roles: [Role.CALL_CENTER_AGENT] };
    const res = await app.gql(CONSENT, { c: customer.id, p: 'MARKETING', ch: 'WECHAT', g: false }, { as: agent });
    expect(res.data.updateConsent).toEqual({ purpose: 'MARKETING', channel: 'WECHAT', granted: false });

    const statuses = await app.ds.query(`SELECT campaign_id, status FROM campaign_enrollment WHERE customer_id = $1`, [
      customer.id,
    ]);
    const byCampaign = Object.fromEntries(statuses.map((r: any) => [r.campaign_id, r.status]));
    expect(byCampaign).toEqual({ [active.id]: 'OPTED_OUT', [other.id]: 'TARGETED', [done.id]: 'TARGETED' });
  });

  it('keeps one record per purpose and channel, and checks that only MARKETING has a channel', async () => {
    const customer = await make.customer();
    const agent = { sub: (await make.staff()).id, roles: [Role.CALL_CENTER_AGENT] };
    await app.gql(CONSENT, { c: customer.id, p: 'PARTNER_SHARING', g: true }, { as: agent });
    await app.gql(CONSENT, { c: customer.id, p: 'PARTNER_SHARING', g: false }, { as: agent });
    const rows = await app.ds.query(
      `SELECT granted FROM consent WHERE customer_id = $1 AND purpose = 'PARTNER_SHARING'`,
      [customer.id],
    );
    expect(rows).toEqual([{ granted: false }]);
    const bad = await app.gql(CONSENT, { c: customer.id, p: 'MARKETING', g: true }, { as: agent });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'channel' });
  });
});
