import { Role } from '../../src/auth/roles';
import { ConsentPurpose } from '../../src/modules/consent/consent.enums';
import { enrollAndWait } from '../support/enrollment-runs';
import { useTestApp } from '../support/test-app';

/**
 * PRODUCT.md §2: processing is bound to its purpose. A customer who explicitly
 * withdrew personalised marketing (a record with granted = false) does not
 * exist for a marketing role, in lookups, lists and counts; a service role
 * still serves them, and a token with both reads each customer through the
 * columns that cover it. A missing record is not a withdrawal.
 */
// K = 1: these tests are about who a marketing role sees and counts, over a customer or two; small-cohort
// suppression has its own (cohort-suppression.test.ts).
const { app, make } = useTestApp({ K_ANONYMITY_MIN: '1' }, { enrollmentRuns: true });

async function world() {
  const branch = await make.branch();
  const optedOut = await make.customer({ branchId: branch.id });
  await make.consent(optedOut.id, { purpose: ConsentPurpose.PERSONALISED_MARKETING, channel: null, granted: false });
  const granted = await make.customer({ branchId: branch.id });
  await make.consent(granted.id, { purpose: ConsentPurpose.PERSONALISED_MARKETING, channel: null, granted: true });
  const noRecord = await make.customer({ branchId: branch.id });
  return { branch, optedOut, granted, noRecord };
}

const ONE = `query ($id: ID!, $no: String!) { byId: customer(id: $id) { id } byNo: customerByNumber(customerNo: $no) { id } }`;
const LIST = `query ($b: ID!) { customers(filter: { branchIds: [$b] }) { totalCount edges { node { customerNo } } } }`;

const as = async (...roles: Role[]) => ({ sub: (await make.staff()).id, roles });

describe('a marketing role', () => {
  it('cannot find an explicitly opted-out customer by id, number, list or count', async () => {
    const w = await world();
    const analyst = await as(Role.MARKETING_ANALYST);
    const one = await app.gql(ONE, { id: w.optedOut.id, no: w.optedOut.customerNo }, { as: analyst });
    expect(one.errors).toBeUndefined();
    expect(one.data).toEqual({ byId: null, byNo: null });
    const list = await app.gql(LIST, { b: w.branch.id }, { as: analyst });
    expect(list.data.customers.totalCount).toBe(2);
    expect(list.data.customers.edges.map((e: any) => e.node.customerNo).sort()).toEqual(
      [w.granted.customerNo, w.noRecord.customerNo].sort(),
    );
  });

  it('sees the customer again once personalised marketing is granted again (updateConsent)', async () => {
    const w = await world();
    const agent = await as(Role.CALL_CENTER_AGENT);
    const regrant = await app.gql(
      `mutation ($c: ID!) { updateConsent(customerId: $c, purpose: PERSONALISED_MARKETING, granted: true) { granted } }`,
      { c: w.optedOut.id },
      { as: agent },
    );
    expect(regrant.errors).toBeUndefined();
    const one = await app.gql(
      ONE,
      { id: w.optedOut.id, no: w.optedOut.customerNo },
      { as: await as(Role.MARKETING_ANALYST) },
    );
    expect(one.data).toEqual({ byId: { id: w.optedOut.id }, byNo: { id: w.optedOut.id } });
  });
});

describe('a service role', () => {
  it('still finds the opted-out customer by id, number, list and count', async () => {
    const w = await world();
    const agent = await as(Role.CALL_CENTER_AGENT);
    const one = await app.gql(ONE, { id: w.optedOut.id, no: w.optedOut.customerNo }, { as: agent });
    expect(one.data).toEqual({ byId: { id: w.optedOut.id }, byNo: { id: w.optedOut.id } });
    expect((await app.gql(LIST, { b: w.branch.id }, { as: agent })).data.customers.totalCount).toBe(3);
  });

  it('beside a marketing role in one token, reads the opted-out customer through its own cells only', async () => {
    const w = await world();
    const campaign = await make.campaign({ status: 'ACTIVE' as never });
    await make.enrollment(campaign.id, w.optedOut.id);
    await make.enrollment(campaign.id, w.granted.id);
    const both = await as(Role.MARKETING_ANALYST, Role.CALL_CENTER_AGENT);
    const metricsOf = (id: string) =>
      app.gql(
        `query ($id: ID!) { customer(id: $id) { campaignEnrollments { campaign { metrics { targeted } } } } }`,
        { id },
        { as: both },
      );
    // Campaign metrics are the marketing column's (a call-centre agent is denied them).
    const granted = await metricsOf(w.granted.id);
    expect(granted.errors).toBeUndefined();
    expect(granted.data.customer.campaignEnrollments[0].campaign.metrics.targeted).toBe(2);
    const optedOut = await metricsOf(w.optedOut.id);
    expect(optedOut.data.customer.campaignEnrollments[0].campaign.metrics).toBeNull();
    expect(optedOut.errors?.map((e) => [e.extensions.code, e.path?.join('.')])).toEqual([
      ['FORBIDDEN', 'customer.campaignEnrollments.0.campaign.metrics'],
    ]);
  });
});

describe('campaigns', () => {
  it('count opted-out enrolments in metrics, as marketing reads them', async () => {
    const w = await world();
    const campaign = await make.campaign({ status: 'ACTIVE' as never });
    await make.enrollment(campaign.id, w.optedOut.id, { status: 'OPTED_OUT' as never });
    await make.enrollment(campaign.id, w.granted.id);
    const res = await app.gql(
      `query ($id: ID!) { campaign(id: $id) { metrics { targeted } } }`,
      { id: campaign.id },
      {
        as: await as(Role.MARKETING_ANALYST),
      },
    );
    expect(res.data.campaign.metrics.targeted).toBe(2);
  });

  it('targeting reports an explicit withdrawal as OPTED_OUT before any missing consent, counted but not listed', async () => {
    const w = await world();
    // The opted-out customer has no channel consent either: OPTED_OUT comes first. The one without any
    // personalised-marketing record is NO_CONSENT, not OPTED_OUT.
    // Targeted by criteria (a tag only these two carry): the segment is counted whole.
    const tag = await make.tag();
    await make.customerTag(w.optedOut.id, tag.id);
    await make.customerTag(w.noRecord.id, tag.id);
    const campaign = await make.campaign({
      status: 'APPROVED' as never,
      channels: ['MOBILE_APP' as never],
      targetTagCodes: [tag.code],
    });
    await make.consent(w.noRecord.id, { purpose: ConsentPurpose.MARKETING, channel: 'MOBILE_APP' as never });
    const res = await enrollAndWait(
      app,
      { c: campaign.id },
      await as(Role.MARKETING_MANAGER),
      `id skipped { reason count } skippedCustomers(first: 10) { totalCount edges { node { customerNo reason } } }`,
    );
    // Reasons that did not occur are listed to a marketing caller too, their count (0) withheld; and with
    // them OPTED_OUT's 1 (complementary suppression: with K = 1, the withheld reasons must add up to one
    // customer, or the others would say they are all 0).
    expect(res.errors?.map((e) => e.extensions.code)).toEqual(Array(9).fill('SUPPRESSED'));
    const result = res.data.enrollCustomers;
    expect(
      Object.fromEntries(result.skipped.filter((s: any) => s.count !== null).map((s: any) => [s.reason, s.count])),
    ).toEqual({ NO_CONSENT: 1 });
    expect(result.skippedCustomers.totalCount).toBe(1);
    expect(result.skippedCustomers.edges.map((e: any) => e.node)).toEqual([
      { customerNo: w.noRecord.customerNo, reason: 'NO_CONSENT' },
    ]);
    // An auditor reads the withdrawal counted as OPTED_OUT.
    const audited = await app.gql(
      `query ($id: ID!) { enrollmentRun(id: $id) { skipped { reason count } } }`,
      { id: result.id },
      { as: await as(Role.COMPLIANCE_AUDITOR) },
    );
    expect(audited.data.enrollmentRun.skipped).toEqual([
      { reason: 'OPTED_OUT', count: 1 },
      { reason: 'NO_CONSENT', count: 1 },
    ]);
  });
});

describe('found by a hostile review', () => {
  it('enrollCustomers given the id of an opted-out customer tells marketing no more than for an id of no one', async () => {
    const w = await world();
    const campaign = await make.campaign({ status: 'APPROVED' as never });
    const enroll = async (id: string) =>
      (
        await enrollAndWait(
          app,
          { c: campaign.id, ids: [id] },
          await as(Role.MARKETING_MANAGER),
          'enrolled skipped { reason count } progress { done total }',
        )
      ).data.enrollCustomers;
    expect(await enroll(w.optedOut.id)).toEqual(await enroll('7d3f0c2a-1b2c-4d5e-8f90-123456789abc'));
  });
});
