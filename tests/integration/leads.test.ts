import { loadConfig } from '../../src/config';
import { Role, Scope } from '../../src/auth/roles';
import { ConsentPurpose } from '../../src/modules/consent/consent.enums';
import { purgeExpiredRecords } from '../../src/modules/retention/record-retention';
import { useTestApp } from '../support/test-app';
import { blindIndexOf } from '../support/stored';

/**
 * Leads that are routed and followed up (issue 19, item 3), through HTTP on
 * PostgreSQL: the partner's consent reference, routing, scope, transitions,
 * overdue and masks. Each test builds its own branches in a city of its own.
 */
const FALLBACK = 'LEADFB1';
const { app, make } = useTestApp({ LEAD_FALLBACK_BRANCH: FALLBACK, LEAD_HIGH_INTENT_CONTACT_HOURS: '24' });

const REGISTER = `mutation ($input: RegisterLeadInput!) { registerLead(input: $input) { id } }`;
const LEADS = `query ($filter: LeadFilter, $first: Int, $after: String) {
  leads(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id name phone city intent status overdue assignee { id } branch { id } customer { id } } }
  } }`;
const UPDATE = `mutation ($id: ID!, $status: LeadStatus!) { updateLead(id: $id, status: $status) { id status contactedAt } }`;
const partner = { sub: 'partner-leads', roles: [Role.PARTNER], scopes: [Scope.LEADS_WRITE] };
let cities = 0;
const newCity = () => `测试市${++cities}`;

/** A private-banking customer in the book of a relationship manager of a branch in a city of its own. */
async function privateBankingCustomerInNewCity() {
  const branch = await make.branch({ city: newCity() });
  const rm = await make.staff({ branchId: branch.id });
  const customer = await make.customer({
    branchId: branch.id,
    relationshipManagerId: rm.id,
    tier: 'PRIVATE_BANKING' as never,
  });
  return { branch, rm, customer };
}
let refs = 0;

async function rmIn(branchId: string) {
  const rm = await make.staff({ branchId });
  await make.customer({ branchId, relationshipManagerId: rm.id });
  return rm;
}
const asRm = (rm: { id: string; branchId: string }) => ({
  sub: rm.id,
  roles: [Role.RELATIONSHIP_MANAGER],
  branchId: rm.branchId,
});

async function register(
  input: Record<string, unknown>,
  as: NonNullable<Parameters<typeof app.gql>[2]>['as'] = partner,
) {
  const res = await app.gql(
    REGISTER,
    {
      input: {
        name: '赵六',
        phone: '13600001234',
        sourceChannel: 'PARTNER',
        consentReference: 'consent-1',
        externalRef: `lead-${++refs}`,
        ...input,
      },
    },
    { as },
  );
  expect(res.errors).toBeUndefined();
  const [row] = await app.ds.query(
    `SELECT assignee_id AS "assigneeId", branch_id AS "branchId", intent FROM lead WHERE id = $1`,
    [res.data.registerLead.id],
  );
  return { id: res.data.registerLead.id as string, ...row };
}

describe('registerLead', () => {
  it("refuses a partner's lead without a consent reference as BAD_USER_INPUT naming it, and writes nothing", async () => {
    const res = await app.gql(
      REGISTER,
      { input: { name: '赵六', phone: '13600009999', sourceChannel: 'PARTNER', externalRef: 'no-consent' } },
      { as: partner },
    );
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.consentReference' });
    const [{ n }] = await app.ds.query(`SELECT count(*)::int AS n FROM lead WHERE phone_bidx = $1`, [
      await blindIndexOf(app.ds, 'lead', 'phone', '13600009999'),
    ]);
    expect(n).toBe(0);
  });

  it("routes an existing customer's lead to their relationship manager, scored from their tier and product views", async () => {
    const { branch, rm, customer } = await privateBankingCustomerInNewCity();
    const lead = await register({ customerNo: customer.customerNo, sourceChannel: 'BRANCH' }, asRm(rm));
    expect(lead).toMatchObject({ assigneeId: rm.id, branchId: branch.id, intent: 'HIGH' });
  });

  it('does not score a customer who withdrew personalised marketing', async () => {
    const { rm, customer } = await privateBankingCustomerInNewCity();
    await make.consent(customer.id, { purpose: ConsentPurpose.PERSONALISED_MARKETING, channel: null, granted: false });
    const lead = await register({ customerNo: customer.customerNo, sourceChannel: 'BRANCH' }, asRm(rm));
    expect(lead.intent).toBeNull();
  });

  it("routes prospects of a city to its branches' relationship managers in turn, even when registered at once", async () => {
    const city = newCity();
    const [a, b] = [await make.branch({ city }), await make.branch({ city })];
    const rms = [await rmIn(a.id), await rmIn(a.id), await rmIn(b.id)];
    await make.staff({ branchId: a.id, title: '柜员' }); // holds no book: not a relationship manager
    const leads = await Promise.all(Array.from({ length: 6 }, () => register({ city })));
    const counts = new Map<string, number>();
    for (const lead of leads) counts.set(lead.assigneeId, (counts.get(lead.assigneeId) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(rms.map((r) => r.id).sort());
    expect([...counts.values()]).toEqual([2, 2, 2]);
  });

  it('routes a prospect of a city without relationship managers, or of no city, to LEAD_FALLBACK_BRANCH', async () => {
    const fallback = await make.branch({ code: FALLBACK, city: newCity() });
    expect(await register({ city: newCity() })).toMatchObject({ assigneeId: null, branchId: fallback.id });
    expect(await register({})).toMatchObject({ assigneeId: null, branchId: fallback.id });
  });
});

describe('leads and updateLead', () => {
  it('shows each caller the leads they work on, with name and phone masked per role', async () => {
    const city = newCity();
    const branch = await make.branch({ city });
    const rm = await rmIn(branch.id);
    const other = await rmIn((await make.branch({ city: newCity() })).id);
    const lead = await register({ city, name: '王小明', phone: '13912345678' });

    const mine = await app.gql(LEADS, {}, { as: asRm(rm) });
    expect(mine.errors).toBeUndefined();
    expect(mine.data.leads.edges.map((e: any) => e.node)).toEqual([
      expect.objectContaining({ id: lead.id, name: '王小明', phone: '13912345678', assignee: { id: rm.id } }),
    ]);
    expect((await app.gql(LEADS, {}, { as: asRm(other) })).data.leads.totalCount).toBe(0);

    const clerk = {
      sub: (await make.staff({ branchId: branch.id, title: '柜员' })).id,
      roles: [Role.BRANCH_STAFF],
      branchId: branch.id,
    };
    const branchView = await app.gql(LEADS, {}, { as: clerk });
    expect(branchView.data.leads.edges[0].node).toMatchObject({ id: lead.id, name: '王小明', phone: '139****5678' });

    const auditor = { sub: (await make.staff()).id, roles: [Role.COMPLIANCE_AUDITOR] };
    const all = await app.gql(LEADS, { first: 100 }, { as: auditor });
    expect(all.data.leads.edges.map((e: any) => e.node.id)).toContain(lead.id);

    const marketing = await app.gql(
      LEADS,
      {},
      { as: { sub: (await make.staff()).id, roles: [Role.MARKETING_MANAGER] } },
    );
    expect(marketing.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('moves a lead NEW → CONTACTED → QUALIFIED → CONVERTED, refuses skips and moves back as CONFLICT, audits without personal data', async () => {
    const city = newCity();
    const rm = await rmIn((await make.branch({ city })).id);
    const lead = await register({ city, phone: '13987654321' });
    const move = (status: string, as = asRm(rm)) => app.gql(UPDATE, { id: lead.id, status }, { as });

    expect((await move('QUALIFIED')).errors?.[0].extensions?.code).toBe('CONFLICT');
    const contacted = await move('CONTACTED');
    expect(contacted.data.updateLead).toMatchObject({ status: 'CONTACTED', contactedAt: expect.any(String) });
    expect((await move('NEW')).errors?.[0].extensions?.code).toBe('CONFLICT');
    expect((await move('QUALIFIED')).data.updateLead.status).toBe('QUALIFIED');
    expect((await move('CONVERTED')).data.updateLead.status).toBe('CONVERTED');
    expect((await move('LOST')).errors?.[0].extensions?.code).toBe('CONFLICT');

    const stranger = await rmIn((await make.branch({ city: newCity() })).id);
    expect((await move('LOST', asRm(stranger))).errors?.[0].extensions?.code).toBe('NOT_FOUND');

    const audit = await app.ds.query(`SELECT detail::text AS detail FROM audit_record WHERE operation = 'updateLead'`);
    expect(audit).toHaveLength(3);
    expect(audit.map((r: any) => r.detail).join()).not.toContain('13987654321');
  });

  it('shows a HIGH-intent lead not contacted within LEAD_HIGH_INTENT_CONTACT_HOURS as overdue, and filters by status and intent', async () => {
    const { rm, customer } = await privateBankingCustomerInNewCity();
    const late = await register({ customerNo: customer.customerNo, sourceChannel: 'BRANCH' }, asRm(rm));
    const fresh = await register({ customerNo: customer.customerNo, sourceChannel: 'BRANCH' }, asRm(rm));
    await app.ds.query(`UPDATE lead SET created_at = now() - interval '25 hours' WHERE id = $1`, [late.id]);

    const res = await app.gql(LEADS, { filter: { status: 'NEW', intent: 'HIGH' } }, { as: asRm(rm) });
    const overdue = Object.fromEntries(res.data.leads.edges.map((e: any) => [e.node.id, e.node.overdue]));
    expect(overdue).toEqual({ [late.id]: true, [fresh.id]: false });

    await app.gql(UPDATE, { id: late.id, status: 'CONTACTED' }, { as: asRm(rm) });
    const after = await app.gql(LEADS, { filter: { status: 'NEW' } }, { as: asRm(rm) });
    expect(after.data.leads.edges.map((e: any) => e.node.id)).toEqual([fresh.id]);
  });

  it('pages newest first with a cursor', async () => {
    const city = newCity();
    const rm = await rmIn((await make.branch({ city })).id);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await register({ city })).id);
    const page1 = await app.gql(LEADS, { first: 2 }, { as: asRm(rm) });
    const page2 = await app.gql(LEADS, { first: 2, after: page1.data.leads.pageInfo.endCursor }, { as: asRm(rm) });
    const seen = [...page1.data.leads.edges, ...page2.data.leads.edges].map((e: any) => e.node.id);
    expect(seen).toEqual([...ids].reverse());
    expect(page2.data.leads.pageInfo.hasNextPage).toBe(false);
  });
});

describe('retention', () => {
  it('deletes leads untouched for LEAD_RETENTION_DAYS, and keeps the rest', async () => {
    const old = await register({ city: newCity() });
    const recent = await register({ city: newCity() });
    await app.ds.query(`UPDATE lead SET updated_at = now() - interval '366 days' WHERE id = $1`, [old.id]);
    expect(
      (await purgeExpiredRecords(app.ds, loadConfig({ LEAD_RETENTION_DAYS: '365' }))).purged.leads,
    ).toBeGreaterThanOrEqual(1);
    const left = (await app.ds.query(`SELECT id FROM lead WHERE id = ANY($1)`, [[old.id, recent.id]])).map(
      (r: any) => r.id,
    );
    expect(left).toEqual([recent.id]);
  });
});

describe('the idempotency store', () => {
  it("keeps a keyed hash of a lead's input, never one a dictionary of phone numbers reverses", async () => {
    const city = newCity();
    await make.branch({ city, code: `FBK${cities}` });
    const input = { name: '孙七', phone: '13600009876', sourceChannel: 'PARTNER', consentReference: 'c-9', city };
    const externalRef = `hash-${++refs}`;
    const first = await app.gql(REGISTER, { input: { ...input, externalRef } }, { as: partner });
    expect(first.errors).toBeUndefined();
    const [record] = await app.ds.query(`SELECT request_hash FROM idempotency_record WHERE key = $1`, [externalRef]);
    // Before, a bare SHA-256 of the input: a dictionary of names and phone numbers reversed it.
    expect(record.request_hash).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    // A retry replays; the same key with another phone is CONFLICT.
    const retry = await app.gql(REGISTER, { input: { ...input, externalRef } }, { as: partner });
    expect(retry.data.registerLead.id).toBe(first.data.registerLead.id);
    const other = await app.gql(REGISTER, { input: { ...input, phone: '13600009877', externalRef } }, { as: partner });
    expect(other.errors?.[0]?.extensions.code).toBe('CONFLICT');
  });
});
