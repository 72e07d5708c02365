import fc from 'fast-check';
import { TokenClaims } from '../../src/auth/token-issuer';
import { Role, Scope } from '../../src/auth/roles';
import { CampaignStatus, EnrollmentStatus } from '../../src/modules/campaign/campaign.enums';
import { ConsentPurpose } from '../../src/modules/consent/consent.enums';
import { KycStatus } from '../../src/modules/customer/customer.enums';
import { ProductType, RiskLevel } from '../../src/modules/holding/holding.enums';
import { Channel, InteractionType } from '../../src/modules/interaction/interaction.enums';
import { AmlRating, RiskTolerance } from '../../src/modules/risk/risk.enums';
import {
  ArgumentFuzzer,
  CALM,
  STORMY,
  KnownValues,
  loadContractSchema,
  operationFor,
  outOfContract,
  rootFields,
  selectionFor,
} from '../support/sdl-fuzz';
import { useTestApp } from '../support/test-app';

/**
 * Every argument of every root field in schema/schema.graphql, sent hostile
 * over HTTP by each caller that may use the field. A bank API answers a bad
 * request with a coded client error; INTERNAL_SERVER_ERROR or a 5xx means the
 * input reached somewhere it should not have (the database's CHECKs, an
 * overflowing aggregate, a serialiser). A value outside PRODUCT.md §4's input
 * bounds must be refused, not stored. And a write must never leave data
 * that breaks the reads that show it, so after each mutation the auditor
 * reads the customers, campaigns and audit log it touched.
 *
 * Reproduce a failure with the seed it prints: FUZZ_SEED=<seed> npx jest tests/integration/fuzz-sdl.test.ts
 * FUZZ_RUNS raises the number of requests; FUZZ_LOG=error shows the server's own log of an internal error
 * (find it by the requestId in the answer); FUZZ_KEEP_GOING=1 reports every failure of the run, not only the first.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_214);
/**
 * `npm test` runs the integration suite once per executor. Mutations always
 * run on graphql-js (src/server/executor.ts), so they are fuzzed only in the
 * graphql-js pass; the graphql-jit pass fuzzes the queries, which it does
 * compile. That keeps each pass well under a minute on two cores.
 */
const ON_JIT = (process.env.GRAPHQL_EXECUTOR ?? 'jit') === 'jit';
const KEEP_GOING = process.env.FUZZ_KEEP_GOING === '1';
const RUNS = Number(process.env.FUZZ_RUNS ?? (ON_JIT ? 600 : 800));

const { app, make } = useTestApp({
  // The limits are tested elsewhere; here they would only turn hostile requests into RATE_LIMITED before they reach anything.
  RATE_LIMIT_STAFF: '1000000',
  RATE_LIMIT_PARTNER: '1000000',
  RATE_LIMIT_FAILED_AUTH: '1000000',
  ...(process.env.FUZZ_LOG ? { LOG_LEVEL: process.env.FUZZ_LOG } : {}),
});

const schema = loadContractSchema();
const PARTNER_SCOPES = Object.values(Scope);

interface Identity {
  label: string;
  claims: TokenClaims;
}

/**
 * Who may call what, as PRODUCT.md §4 says (written out here, not imported
 * from the server's policy, so that the fuzzer does not inherit its mistakes).
 * A field missing from this table is called by everyone: a new field is fuzzed
 * before anyone decides who may call it.
 */
type Caller = Role | 'PARTNER_WITH_SCOPE';
const SERVICE = [Role.RELATIONSHIP_MANAGER, Role.BRANCH_STAFF, Role.CALL_CENTER_AGENT];
const STAFF = Object.values(Role).filter((r) => r !== Role.PARTNER);
const CALLERS: Record<string, Caller[]> = {
  me: [...STAFF, 'PARTNER_WITH_SCOPE'],
  customer: STAFF,
  customerByNumber: STAFF,
  customers: STAFF,
  campaign: STAFF,
  campaigns: STAFF,
  tags: STAFF,
  products: STAFF,
  auditLog: [Role.COMPLIANCE_AUDITOR],
  // §4: "any staff role that may record a contact for that customer"; the exception list is the auditors'.
  contactCheck: SERVICE,
  contactExceptions: [Role.COMPLIANCE_AUDITOR],
  // Who starts runs, and the control roles that read campaign metrics (PRODUCT.md §3).
  enrollmentRun: [Role.MARKETING_MANAGER, Role.RISK_OFFICER, Role.COMPLIANCE_AUDITOR],
  createCampaign: [Role.MARKETING_MANAGER],
  updateCampaign: [Role.MARKETING_MANAGER],
  submitCampaign: [Role.MARKETING_MANAGER],
  approveCampaign: [Role.MARKETING_MANAGER],
  rejectCampaign: [Role.MARKETING_MANAGER],
  launchCampaign: [Role.MARKETING_MANAGER],
  completeCampaign: [Role.MARKETING_MANAGER],
  cancelCampaign: [Role.MARKETING_MANAGER],
  recordCampaignCost: [Role.MARKETING_MANAGER],
  enrollCustomers: [Role.MARKETING_MANAGER],
  assignTag: [Role.RELATIONSHIP_MANAGER, Role.BRANCH_STAFF, Role.MARKETING_MANAGER],
  removeTag: [Role.RELATIONSHIP_MANAGER, Role.BRANCH_STAFF, Role.MARKETING_MANAGER],
  updateConsent: SERVICE,
  recordInteraction: [...SERVICE, 'PARTNER_WITH_SCOPE'],
  registerLead: [...SERVICE, 'PARTNER_WITH_SCOPE'],
  recordCampaignResponse: [...SERVICE, 'PARTNER_WITH_SCOPE'],
  // Issue 19 item 2: tasks are worked by managers (their own) and branch staff (their branch's); the report is for
  // marketing, risk and audit roles.
  myTasks: [Role.RELATIONSHIP_MANAGER, Role.BRANCH_STAFF],
  completeTask: [Role.RELATIONSHIP_MANAGER, Role.BRANCH_STAFF],
  churnReport: [Role.MARKETING_ANALYST, Role.MARKETING_MANAGER, Role.RISK_OFFICER, Role.COMPLIANCE_AUDITOR],
  // Issue 19 item 3: leads are followed up by managers (routed to them) and branch staff (their branch's).
  leads: [Role.RELATIONSHIP_MANAGER, Role.BRANCH_STAFF, Role.COMPLIANCE_AUDITOR],
  // Issue 20 part 2: what a candidate privacy policy would change is for those who check the policy.
  policyShadowReport: [Role.COMPLIANCE_AUDITOR],
  updateLead: [Role.RELATIONSHIP_MANAGER, Role.BRANCH_STAFF],
  // Issue 20 item 1: any staff role may ask; the policy's reveal cells decide, and a refusal is audited.
  revealField: STAFF,
  // Issue 20 item 6: data-subject requests are answered by the control function.
  dataSubjectExport: [Role.COMPLIANCE_AUDITOR],
  eraseCustomer: [Role.COMPLIANCE_AUDITOR],
};

interface World {
  known: KnownValues;
  /** Staff identities by role; marketing managers twice (maker and checker), and the maker again in upper case. */
  staff: Map<Role, Identity[]>;
  auditor: TokenClaims;
}

let world: World;

/**
 * A small bank where every mutation has something real to act on: a relationship manager's
 * book, customers with and without each consent, minors and over-65s, a HIGH AML rating, an
 * expired assessment, a customer whose contact caps are used up, and campaigns in every state
 * with enrolments.
 */
async function buildWorld(): Promise<World> {
  const home = await make.branch();
  const other = await make.branch();
  const staffRow = (branchId = home.id) => make.staff({ branchId });
  const [rm, clerk, agent, analyst, maker, checker, risk, auditor] = await Promise.all([
    staffRow(),
    staffRow(),
    staffRow(other.id),
    staffRow(),
    staffRow(),
    staffRow(),
    staffRow(),
    staffRow(),
  ]);
  const as = (label: string, sub: string, role: Role, branchId: string): Identity => ({
    label,
    claims: { sub, roles: [role], branchId },
  });
  const staff = new Map<Role, Identity[]>([
    [Role.RELATIONSHIP_MANAGER, [as('RM', rm.id, Role.RELATIONSHIP_MANAGER, home.id)]],
    [Role.BRANCH_STAFF, [as('BRANCH', clerk.id, Role.BRANCH_STAFF, home.id)]],
    [Role.CALL_CENTER_AGENT, [as('AGENT', agent.id, Role.CALL_CENTER_AGENT, other.id)]],
    [Role.MARKETING_ANALYST, [as('ANALYST', analyst.id, Role.MARKETING_ANALYST, home.id)]],
    [
      Role.MARKETING_MANAGER,
      [
        as('MAKER', maker.id, Role.MARKETING_MANAGER, home.id),
        as('CHECKER', checker.id, Role.MARKETING_MANAGER, home.id),
        // PRODUCT.md §2: a staff sub is compared case-insensitively, so this is the maker too.
        as('MAKER-UPPER-CASE', maker.id.toUpperCase(), Role.MARKETING_MANAGER, home.id),
      ],
    ],
    [Role.RISK_OFFICER, [as('RISK', risk.id, Role.RISK_OFFICER, home.id)]],
    [Role.COMPLIANCE_AUDITOR, [as('AUDITOR', auditor.id, Role.COMPLIANCE_AUDITOR, home.id)]],
  ]);

  const fund = await make.product({ type: ProductType.FUND, riskLevel: RiskLevel.R3 });
  const deposit = await make.product();
  const tags = [await make.tag(), await make.tag()];

  const consentAll = async (customerId: string) => {
    await make.consent(customerId, { purpose: ConsentPurpose.PARTNER_SHARING, channel: null });
    await make.consent(customerId, { purpose: ConsentPurpose.PERSONALISED_MARKETING, channel: null });
    await make.consent(customerId, { purpose: ConsentPurpose.MARKETING, channel: Channel.MOBILE_APP });
  };
  const own = await make.customer({ branchId: home.id, relationshipManagerId: rm.id });
  const ownOptedOut = await make.customer({ branchId: home.id, relationshipManagerId: rm.id, birthDate: '1950-03-01' });
  const minor = await make.customer({ branchId: other.id, birthDate: '2012-05-05', kycStatus: KycStatus.PENDING });
  const flagged = await make.customer({ branchId: other.id });
  const plain = await make.customer({ branchId: home.id });
  const customers = [own, ownOptedOut, minor, flagged, plain];
  for (const c of [own, minor, flagged, plain]) await consentAll(c.id);
  await make.consent(ownOptedOut.id, {
    purpose: ConsentPurpose.PERSONALISED_MARKETING,
    channel: null,
    granted: false,
  });
  await make.riskAssessment(own.id, { riskTolerance: RiskTolerance.C4 });
  await make.riskAssessment(ownOptedOut.id, {
    riskTolerance: RiskTolerance.C5,
    assessedAt: new Date('2019-01-01T00:00:00Z'),
    validUntil: '2020-01-01',
  });
  await make.riskAssessment(flagged.id, { amlRating: AmlRating.HIGH });
  const holdings = [
    await make.holding(own.id, { productId: fund.id, balance: '800000.00' }),
    await make.holding(plain.id, { productId: deposit.id }),
  ];
  await make.customerTag(own.id, tags[0].id);
  await make.interaction(own.id, { type: InteractionType.LOGIN });
  // This month's campaign contacts used up (a MASS customer's two), so that enrolment and contacts meet the caps.
  for (const minutesAgo of [1, 2]) {
    await make.interaction(plain.id, {
      type: InteractionType.CAMPAIGN_CONTACT,
      occurredAt: new Date(Date.now() - minutesAgo * 60_000),
    });
  }

  const campaigns = [];
  for (const status of Object.values(CampaignStatus)) {
    campaigns.push(
      await make.campaign({
        status,
        createdBy: maker.id,
        productId: status === CampaignStatus.ACTIVE ? fund.id : deposit.id,
        channels: [Channel.MOBILE_APP, Channel.PARTNER],
        budget: '50000.00',
      }),
    );
  }
  const active = campaigns.find((c) => c.status === CampaignStatus.ACTIVE)!;
  const live = [];
  for (let i = 0; i < 2; i++)
    live.push(
      await make.campaign({
        status: CampaignStatus.ACTIVE,
        createdBy: maker.id,
        productId: fund.id,
        channels: [Channel.MOBILE_APP, Channel.PARTNER],
      }),
    );
  for (const campaign of [active, ...live]) {
    await make.enrollment(campaign.id, own.id);
    await make.enrollment(campaign.id, plain.id, { status: EnrollmentStatus.CONTACTED });
    await make.enrollment(campaign.id, flagged.id, { status: EnrollmentStatus.CONVERTED, revenue: '1200.00' });
  }

  // Open retention tasks: the manager's (own's) and the branch's (plain has no manager); completeTask closes them.
  // An episode that has ended and one that goes on, for each: a customer has at most one open episode.
  const tasks = [];
  for (const c of [own, plain]) {
    tasks.push(await make.retentionTask(c, {}, { endedAt: new Date() }));
    tasks.push(await make.retentionTask(c));
  }

  // New leads of the manager's own customer and of one without a manager, for updateLead to move along.
  const leads = [];
  for (const c of [own, plain]) leads.push(await make.lead(c, { status: 'NEW' as never, contactedAt: null }));

  // Listed twice, so picked more often: most mutations do something only for these.
  const enrolled = [own, plain, flagged];
  return {
    staff,
    auditor: staff.get(Role.COMPLIANCE_AUDITOR)![0].claims,
    known: {
      customerIds: [...customers, ...enrolled].map((c) => c.id),
      customerNos: [...customers, ...enrolled].map((c) => c.customerNo),
      campaignIds: [...campaigns, active, active].map((c) => c.id),
      liveCampaignIds: live.map((c) => c.id),
      campaignCodes: campaigns.map((c) => c.code),
      productIds: [fund.id, deposit.id],
      tagCodes: tags.map((t) => t.code),
      branchIds: [home.id, other.id],
      staffIds: [rm, clerk, agent, analyst, maker, checker, risk, auditor].map((s) => s.id),
      taskIds: tasks.map((t) => t.id),
      leadIds: leads.map((l) => l.id),
      holdingIds: holdings.map((h) => h.id),
    },
  };
}

/** A partner token, with the scope the field needs most of the time and a random set otherwise. */
const partnerIdentity: fc.Arbitrary<Identity> = fc
  .record({
    sub: fc.constantFrom('partner-a', 'partner-b'),
    scopes: fc.oneof(fc.constant(PARTNER_SCOPES), fc.subarray(PARTNER_SCOPES)),
  })
  .map(({ sub, scopes }) => ({ label: `PARTNER ${scopes.join(',')}`, claims: { sub, roles: [Role.PARTNER], scopes } }));

/** A well-formed staff id with no staff row: it may read but never write (PRODUCT.md §2). */
const ghostOf = (identity: Identity) =>
  fc
    .uuid({ version: 4 })
    .map((sub) => ({ label: `${identity.label} (no staff row)`, claims: { ...identity.claims, sub } }));

function identitiesFor(fieldName: string): fc.Arbitrary<Identity> {
  const all = [...world.staff.values()].flat();
  const callers = CALLERS[fieldName];
  const permitted = callers ? all.filter((i) => callers.includes(i.claims.roles[0] as Role)) : all;
  const mayPartner = !callers || callers.includes('PARTNER_WITH_SCOPE');
  const options: fc.WeightedArbitrary<Identity>[] = [];
  if (permitted.length) {
    options.push({ weight: 8, arbitrary: fc.constantFrom(...permitted) });
    options.push({ weight: 1, arbitrary: fc.constantFrom(...permitted).chain(ghostOf) });
  }
  if (mayPartner) options.push({ weight: permitted.length ? 4 : 8, arbitrary: partnerIdentity });
  // Now and then a caller the contract refuses: the refusal must be coded too.
  options.push({ weight: 1, arbitrary: fc.oneof(fc.constantFrom(...all), partnerIdentity) });
  return fc.oneof(...options);
}

/**
 * Idempotency keys: partners mostly send a fresh one (without one and without an externalRef
 * they are refused); staff mostly none. Hostile keys are rare: the server refuses them
 * before anything else, so they would hide whatever else the request holds.
 */
const freshKey = fc.uuid().map((u) => `key-${u}`);
const hostileKey = fc.oneof(
  fc.constantFrom('same-key', '', ' ', 'x'.repeat(4_000), "' OR 1=1 --", '\u00ff\u00e9'),
  fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 }),
);
const keyFor = (identity: Identity): fc.Arbitrary<string | undefined> =>
  identity.claims.roles.includes(Role.PARTNER)
    ? fc.oneof(
        { weight: 8, arbitrary: freshKey },
        { weight: 2, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: hostileKey },
      )
    : fc.oneof(
        { weight: 8, arbitrary: fc.constant(undefined) },
        { weight: 2, arbitrary: freshKey },
        { weight: 1, arbitrary: hostileKey },
      );

interface FuzzCase {
  root: 'Query' | 'Mutation';
  /** The field's name only: fast-check prints the case, and a schema object would bury it. */
  field: string;
  args: Record<string, unknown>;
  identity: Identity;
  inline: boolean;
  idempotencyKey?: string;
}

function cases(roots: ('Query' | 'Mutation')[]): fc.Arbitrary<FuzzCase> {
  const calm = new ArgumentFuzzer(world.known, CALM);
  const stormy = new ArgumentFuzzer(world.known, STORMY);
  const fields = roots.flatMap((root) => rootFields(schema, root).map((field) => ({ root, field })));
  return fc.constantFrom(...fields).chain(({ root, field }) =>
    fc
      .record({
        root: fc.constant(root),
        field: fc.constant(field.name),
        args: fc.oneof(calm.args(field), stormy.args(field)),
        identity: identitiesFor(field.name),
        // Mostly variables, as clients send them; literals take a different parsing path (parseLiteral).
        inline: fc.constantFrom(false, false, false, true),
      })
      .chain((c) => keyFor(c.identity).map((idempotencyKey) => ({ ...c, idempotencyKey }))),
  );
}

interface Answer {
  status: number;
  text: string;
  body?: { data?: any; errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[] };
}

async function post(query: string, variables: Record<string, unknown>, claims: TokenClaims, headers = {}) {
  const res = await fetch(app.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${await app.token(claims)}`,
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body: Answer['body'];
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, text, body };
}

const trim = (s: string, n = 600) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);
const show = (value: unknown) =>
  trim(JSON.stringify(value, (_k, v) => (typeof v === 'string' ? trim(v, 80) : v)) ?? String(value), 3_000);

/** What a failure prints: enough to replay the request by hand, and the seed to replay the run. */
class FuzzFailure extends Error {
  constructor(what: string, c: FuzzCase, request: { query: string; variables: unknown }, answer: Answer) {
    super(
      [
        what,
        `seed: FUZZ_SEED=${SEED} (executor ${ON_JIT ? 'jit' : 'graphql-js'}, FUZZ_RUNS=${RUNS})`,
        `as: ${c.identity.label} ${show(c.identity.claims)}${c.idempotencyKey !== undefined ? ` idempotency-key: ${show(c.idempotencyKey)}` : ''}`,
        `operation: ${trim(request.query, 2_000)}`,
        `variables: ${show(request.variables)}`,
        `answer: HTTP ${answer.status} ${trim(answer.text, 1_000)}`,
        ...(answer.body?.errors ?? [])
          .filter((e) => !e.extensions?.code || e.extensions.code === 'INTERNAL_SERVER_ERROR')
          .map((e) => `internal error at ${show(e.path)}: ${show(e)}`),
      ].join('\n'),
    );
  }
}

function assertNoInternalError(what: string, c: FuzzCase, request: { query: string; variables: unknown }, a: Answer) {
  const internal = a.body?.errors?.some((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR');
  if (a.status >= 500 || !a.body || internal) throw new FuzzFailure(what, c, request, a);
}

/** FUZZ_STATS=1 shows how far the requests got, per field: hostile values that never pass parsing test little. */
const outcomes = new Map<string, Map<string, number>>();
function tally(field: string, a: Answer) {
  const key = `${a.status} ${a.body?.errors?.[0]?.extensions?.code ?? 'ok'}`;
  if (process.env.FUZZ_STATS === '2' && a.body?.errors) console.log(field, key, a.body.errors[0].message.slice(0, 200));
  const byField = outcomes.get(field) ?? new Map<string, number>();
  byField.set(key, (byField.get(key) ?? 0) + 1);
  outcomes.set(field, byField);
}
const stats = () =>
  [...outcomes].map(([field, byKey]) => `${field}: ${[...byKey].map(([k, n]) => `${k}×${n}`).join(', ')}`).join('\n');

/** Every id or customer number in a request or its answer that names a row of the world. */
function touched(values: unknown[]): { customerIds: Set<string>; campaignIds: Set<string> } {
  const { known } = world;
  const customerIds = new Set<string>();
  const campaignIds = new Set<string>();
  const visit = (v: unknown) => {
    if (typeof v === 'string') {
      const lower = v.toLowerCase();
      if (known.customerIds.includes(lower)) customerIds.add(lower);
      const byNo = known.customerNos.indexOf(v);
      if (byNo >= 0) customerIds.add(known.customerIds[byNo]);
      if (known.campaignIds.includes(lower) || known.liveCampaignIds.includes(lower)) campaignIds.add(lower);
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  values.forEach(visit);
  return { customerIds, campaignIds };
}

let customerView: string;
let campaignView: string;
let auditView: string;

/**
 * The reads that show what a mutation touched, as the compliance auditor (who
 * is denied nothing): each must answer without any error at all.
 */
async function readBack(
  c: FuzzCase,
  request: { query: string; variables: unknown },
  answer: Answer,
  extraReads: string[] = [],
) {
  const data = answer.body?.data?.[c.field];
  const { customerIds, campaignIds } = touched([c.args, data]);
  // A campaign it created is not in the world's list: read it by the id it answered.
  if (typeof data?.id === 'string' && c.field.toLowerCase().includes('campaign')) campaignIds.add(data.id);
  // Enrolling by criteria can touch any customer.
  if (c.field === 'enrollCustomers') world.known.customerIds.forEach((id) => customerIds.add(id));
  const reads: string[] = [
    // First, while the mutation's own record is still the newest: the reads below add records of their own.
    `auditLog(first: 20) ${auditView}`,
    ...[...customerIds].map((id, i) => `c${i}: customer(id: ${JSON.stringify(id)}) ${customerView}`),
    ...[...campaignIds].map((id, i) => `k${i}: campaign(id: ${JSON.stringify(id)}) ${campaignView}`),
    ...extraReads,
  ];
  // One read per request keeps each within the query cost limit.
  for (const read of reads) {
    const query = `query ReadBack { ${read} }`;
    const a = await post(query, {}, world.auditor);
    if (a.status !== 200 || !a.body || a.body.errors?.length) {
      throw new FuzzFailure(
        `after ${request.query.slice(0, 60)}…, the auditor's read failed:\n  ${trim(query, 300)}`,
        c,
        request,
        a,
      );
    }
  }
}

describe('every argument of the SDL, fuzzed over HTTP', () => {
  beforeAll(async () => {
    world = await buildWorld();
    customerView = selectionFor(schema.getType('Customer') as never, 4, { largestPage: true });
    campaignView = selectionFor(schema.getType('Campaign') as never, 2, { largestPage: true });
    auditView = selectionFor(schema.getType('AuditRecordConnection') as never, 3, { largestPage: true });
  });

  /** Every seeded customer and campaign, and the largest pages: what the per-run reads may have missed. */
  const sweep = (when: string) => {
    const request = { query: when, variables: {} };
    const c = { root: 'Mutation', field: when, args: {}, identity: { label: 'AUDITOR' } } as never;
    const all = {
      customerIds: world.known.customerIds,
      campaignIds: [...world.known.campaignIds, ...world.known.liveCampaignIds],
    };
    return readBack(c, request, { status: 200, text: '', body: { data: { [when]: all } } }, [
      `campaigns(first: 100) { edges { node ${campaignView} } }`,
      `auditLog(first: 100) ${auditView}`,
    ]);
  };

  it('the world and the reads answer cleanly before any fuzzing', async () => {
    // Without this a broken read would blame whatever the fuzzer sent first.
    await sweep('before fuzzing');
  });

  it(`never answers INTERNAL_SERVER_ERROR or a 5xx, and leaves every touched read answering (seed ${SEED})`, async () => {
    const roots: ('Query' | 'Mutation')[] = ON_JIT ? ['Query'] : ['Query', 'Mutation'];
    const collected: string[] = [];
    let run = 0;
    await fc.assert(
      fc.asyncProperty(cases(roots), async (c) => {
        run++;
        const field = rootFields(schema, c.root).find((f) => f.name === c.field)!;
        const request = operationFor(c.root, field, c.args, c.inline);
        const headers = c.idempotencyKey !== undefined ? { 'idempotency-key': c.idempotencyKey } : {};
        try {
          const answer = await post(request.query, request.variables, c.identity.claims, headers);
          tally(c.field, answer);
          assertNoInternalError(`${c.field} answered an internal error or a 5xx`, c, request, answer);
          // PRODUCT.md §4: outside the input bounds is BAD_USER_INPUT; an answer with data means it was used.
          const outside = outOfContract(c.args, field);
          if (outside.length && answer.status < 400 && !answer.body?.errors?.length)
            throw new FuzzFailure(
              `${c.field} accepted values outside the contract's bounds at ${outside.join(', ')}`,
              c,
              request,
              answer,
            );
          // A 4xx was refused before execution: nothing was touched, so nothing to read back.
          if (c.root === 'Mutation' && answer.status < 400) await readBack(c, request, answer);
        } catch (e) {
          // FUZZ_KEEP_GOING lists every failure of a run instead of the first: for triage, never to pass.
          if (!KEEP_GOING || !(e instanceof FuzzFailure)) throw e;
          collected.push(`run ${run}: ${e.message}`);
        }
      }),
      // The server keeps state between runs, so a shrunk case would not replay the failure: stop at the first one.
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    if (process.env.FUZZ_STATS) console.log(stats());
    if (collected.length) throw new Error(`${collected.length} failures:\n\n${collected.join('\n\n')}`);
  }, 110_000);

  it('leaves every seeded customer, every campaign page and the audit log readable', async () => {
    await sweep('after fuzzing');
  });
});
