import { DIRECT_CUSTOMER_FIELDS } from '../../src/modules/customer/customer-direct';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphQLObjectType, GraphQLSchema } from 'graphql';
import { Role, Scope } from '../../src/auth/roles';
import { TokenClaims } from '../../src/auth/token-issuer';
import {
  Access,
  AggregateRule,
  ALL_COLUMNS,
  RoleColumn,
  COLUMNS,
  FIELD_POLICY,
  FieldPolicy,
  LIVE_POLICY_DATA,
  RevealReason,
} from '../../src/privacy/policy';
import { policyToFile } from '../../src/privacy/policy-file';
import { PrivacyPolicy } from '../../src/privacy/privacy-policy';
import { getSchema } from '../../src/server/schema';
import { Factory } from '../support/factories';
import { dropRevealOffMask } from '../support/policy-edit';
import {
  buildPolicyWorld,
  CUSTOMER_PATHS,
  DIRECT_READ_TYPES,
  fullRead,
  isNonNullField,
  NOT_UNDER_A_CUSTOMER,
  PATH_RELATIONS,
  PolicyWorld,
  roleOf,
  selectionOf,
  typeFollowsPolicy,
} from '../support/policy-walk';
import { waitForRun } from '../support/enrollment-runs';
import { startTestApp, TestApp } from '../support/test-app';
import { decrypted } from '../support/stored';

/**
 * "One policy", proved: for each type and field of the SDL and each role
 * column, the test changes the policy of a running server (deny, allow, and
 * mask where the field has a mask) and asserts that the response follows. A
 * type or field that some code path serves without asking the policy fails
 * here with its name, whatever today's cells happen to be.
 *
 * The whole sweep runs on the default executor (graphql-jit); the graphql-js
 * pass of `npm test` runs one column per type, a different one for each type.
 */
const FULL_SWEEP = (process.env.GRAPHQL_EXECUTOR ?? 'jit') === 'jit';

let app: TestApp;
let schema: GraphQLSchema;
let world: PolicyWorld;
/**
 * The sweeps of field cells withhold no small cohort: the world's counts are of a customer or two, and an
 * aggregate withheld is null for another reason than its cell. Suppression has its own sweep (AGGREGATES, below).
 */
const EXACT_EVERYWHERE = Object.fromEntries(ALL_COLUMNS.map((c) => [c, 'EXACT'])) as Record<RoleColumn, AggregateRule>;
const BASE = new PrivacyPolicy({ ...LIVE_POLICY_DATA, aggregates: EXACT_EVERYWHERE });
let current: PrivacyPolicy = BASE;
/** One factory for the file: its counter keeps codes and numbers unique. */
let make: Factory;

/**
 * The server runs in shadow mode, so that the shadow report's types have
 * something to show (and the sweep shows that shadow mode changes no answer):
 * the candidate is the live policy but for tags, which it would refuse to the
 * call centre.
 */
function shadowCandidateFile(): string {
  const candidate = policyToFile(LIVE_POLICY_DATA);
  candidate.operations.Query.tags = Object.values(Role).filter(
    (r) => r !== Role.PARTNER && r !== Role.CALL_CENTER_AGENT,
  );
  const file = join(mkdtempSync(join(tmpdir(), 'policy-mutation-')), 'candidate.json');
  writeFileSync(file, JSON.stringify(candidate));
  return file;
}

beforeAll(async () => {
  // Hundreds of requests from one principal: the rate limit is not what this file tests.
  app = await startTestApp(
    // Reveals likewise: the reveal quota has its own test (reveal.test.ts).
    {
      RATE_LIMIT_STAFF: '100000',
      RATE_LIMIT_PARTNER: '100000',
      REVEAL_DAILY_QUOTA: '10000',
      PRIVACY_SHADOW_POLICY: shadowCandidateFile(),
    },
    { privacyPolicy: () => current, enrollmentRuns: true },
  );
  schema = await getSchema();
  make = new Factory(app.ds);
  world = await buildPolicyWorld(app, make);
});
afterAll(() => app.close());
afterEach(() => {
  current = BASE;
});

/** The live policy with some cells of one column changed. */
function changed(column: RoleColumn, cells: [type: string, field: string, access: Access][]): FieldPolicy {
  // Cell by cell: the live policy shares one rule object among the fields that every role reads in full.
  const fields: FieldPolicy = Object.fromEntries(
    Object.entries(LIVE_POLICY_DATA.fields).map(([type, rules]) => [
      type,
      Object.fromEntries(
        Object.entries(rules).map(([field, rule]) => [field, { ...rule, access: { ...rule.access } }]),
      ),
    ]),
  );
  for (const [type, field, access] of cells) {
    const rule = fields[type][field];
    rule.access[column] = access;
    dropRevealOffMask(rule, column);
  }
  return fields;
}

function use(fields: FieldPolicy) {
  current = new PrivacyPolicy({ ...BASE.data, fields });
}

const fieldsOf = (typeName: string) => Object.keys((schema.getType(typeName) as GraphQLObjectType).getFields());

function columnsFor(typeName: string): readonly RoleColumn[] {
  if (FULL_SWEEP) return COLUMNS;
  const index = Object.keys(FIELD_POLICY).indexOf(typeName);
  return [COLUMNS[index % COLUMNS.length]];
}

it('covers every object type of the SDL that has fields of its own', async () => {
  const sdl = await getSchema();
  const types = Object.values(sdl.getTypeMap())
    .filter((t) => t instanceof GraphQLObjectType && !t.name.startsWith('__'))
    .map((t) => t.name)
    .filter((n) => !['Query', 'Mutation', 'Me'].includes(n) && !n.endsWith('Connection') && !n.endsWith('Edge'));
  const walked = [...Object.keys(CUSTOMER_PATHS), ...NOT_UNDER_A_CUSTOMER];
  expect(types.filter((t) => !walked.includes(t)).sort()).toEqual([]);
});

describe('types reached from a customer', () => {
  it.each(Object.keys(CUSTOMER_PATHS))(
    '%s follows the policy: denied, allowed and masked per column',
    async (typeName) => {
      current = BASE;
      const full = await fullRead(app, schema, world, typeName);
      const problems: string[] = [];
      const names = fieldsOf(typeName);
      for (const column of columnsFor(typeName)) {
        const open: [string, string, Access][] = PATH_RELATIONS[typeName].map(([t, f]) => [t, f, 'F']);
        const check = async (cells: [string, string, Access][], only?: string[]) => {
          const fields = changed(column, [...open, ...cells]);
          use(fields);
          problems.push(...(await typeFollowsPolicy(app, schema, world, fields, column, typeName, full, only)));
          if (DIRECT_READ_TYPES.includes(typeName))
            problems.push(
              ...(await typeFollowsPolicy(app, schema, world, fields, column, typeName, full, only, 'page')).map(
                (problem) => `by page: ${problem}`,
              ),
            );
          if (typeName === 'Customer') {
            // The fields direct reads project, alone, so that the walk reads them directly where the policy lets it.
            const projected = (only ?? names).filter((f) => DIRECT_CUSTOMER_FIELDS.includes(f));
            // The page route filters by branch, which a column that may not read branches in full may not do.
            const routes =
              fields.Customer.branch.access[column] === 'F' ? (['customer', 'page'] as const) : ['customer' as const];
            for (const route of routes)
              if (projected.length)
                problems.push(
                  ...(
                    await typeFollowsPolicy(app, schema, world, fields, column, typeName, full, projected, route)
                  ).map((problem) => `projected fields by ${route}: ${problem}`),
                );
          }
        };
        const nullable = names.filter((f) => !isNonNullField(schema, typeName, f));
        // Denied together where each denial stays at its own path; a non-null field alone, since its
        // denial nulls its parent and hides the others.
        await check(nullable.map((f) => [typeName, f, 'D']));
        for (const field of names.filter((f) => isNonNullField(schema, typeName, f))) {
          await check([[typeName, field, 'D']], [field]);
        }
        await check(names.map((f) => [typeName, f, 'F']));
        const maskable = names.filter((f) => FIELD_POLICY[typeName][f].mask);
        if (maskable.length) await check(maskable.map((f) => [typeName, f, 'M']));
      }
      expect(problems).toEqual([]);
    },
  );
});

/**
 * Types no customer leads to (but the audit log, below): each reach runs its
 * root field or mutation afresh as a role of the column and answers the
 * object of the type. Ids differ per run, so an allowed field is checked as
 * present, not against a reference value.
 */
type Reach = {
  columns: Partial<Record<RoleColumn, Role>>;
  /** Fields whose allowed read may be null on the object this reach makes (a run that succeeded has no failure). */
  nullWhenAllowed?: string[];
  run: (as: TokenClaims) => Promise<{ object: any; errors: any[] }>;
};

let counter = 0;
const REACH: Record<string, Reach> = {
  InteractionReceipt: {
    columns: {
      RM: Role.RELATIONSHIP_MANAGER,
      BRANCH: Role.BRANCH_STAFF,
      CALL_CENTER: Role.CALL_CENTER_AGENT,
      PARTNER: Role.PARTNER,
    },
    run: async (as) => {
      // A customer of the world's branch and book who lets partners write for them.
      const customer = await make.customer({ branchId: world.branchId, relationshipManagerId: world.rmId });
      await make.consent(customer.id, { purpose: 'PARTNER_SHARING' as never, channel: null });
      const res = await app.gql(
        `mutation ($i: RecordInteractionInput!) { recordInteraction(input: $i) { id } }`,
        {
          i: {
            customerNo: customer.customerNo,
            channel: 'PARTNER',
            type: 'INQUIRY',
            occurredAt: new Date().toISOString(),
            externalRef: `policy-${++counter}`,
          },
        },
        { as },
      );
      return { object: res.data?.recordInteraction, errors: res.errors ?? [] };
    },
  },
  LeadReceipt: {
    columns: { RM: Role.RELATIONSHIP_MANAGER, BRANCH: Role.BRANCH_STAFF, CALL_CENTER: Role.CALL_CENTER_AGENT },
    run: async (as) => {
      const res = await app.gql(
        `mutation ($i: RegisterLeadInput!) { registerLead(input: $i) { id } }`,
        { i: { name: '李雷', phone: '13800001111', sourceChannel: 'BRANCH' } },
        { as },
      );
      return { object: res.data?.registerLead, errors: res.errors ?? [] };
    },
  },
  CampaignResponseReceipt: {
    columns: { RM: Role.RELATIONSHIP_MANAGER, BRANCH: Role.BRANCH_STAFF, CALL_CENTER: Role.CALL_CENTER_AGENT },
    run: async (as) => {
      const campaign = await make.campaign({ status: 'ACTIVE' as never, createdBy: world.rmId });
      await make.enrollment(campaign.id, world.customerId);
      const res = await app.gql(
        `mutation ($i: CampaignResponseInput!) { recordCampaignResponse(input: $i) { status } }`,
        { i: { campaignId: campaign.id, customerNo: await customerNoOf(world.customerId), converted: false } },
        { as },
      );
      return { object: res.data?.recordCampaignResponse, errors: res.errors ?? [] };
    },
  },
  CampaignCost: {
    columns: { MKT: Role.MARKETING_MANAGER },
    run: async (as) => {
      const campaign = await make.campaign({ status: 'ACTIVE' as never, createdBy: world.rmId });
      const type = schema.getType('CampaignCost') as GraphQLObjectType;
      const res = await app.gql(
        `mutation ($c: ID!) { recordCampaignCost(campaignId: $c, channel: MOBILE_APP, amount: "10.00", note: "短信费") {
           ${fieldsOf('CampaignCost')
             .map((f) => selectionOf(type, f))
             .join(' ')} } }`,
        { c: campaign.id },
        { as },
      );
      return { object: res.data?.recordCampaignCost, errors: res.errors ?? [] };
    },
  },
  ...Object.fromEntries(
    (['AuditedFilter', 'AuditedFilterArgument'] as const).map((typeName) => [
      typeName,
      {
        columns: { AUDITOR: Role.COMPLIANCE_AUDITOR },
        run: async (as: TokenClaims) => {
          // A risk officer's AUM range is a read of AUM: its audit record describes the filter.
          const officer = await make.staff({ branchId: world.branchId });
          const filtered = await app.gql(
            `{ customers(filter: { aumMin: "1.00" }, first: 1) { totalCount } }`,
            undefined,
            { as: { sub: officer.id, roles: [Role.RISK_OFFICER] } },
          );
          if (filtered.errors) throw new Error(`the filtered read failed: ${JSON.stringify(filtered.errors)}`);
          const inner = `arguments { ${fieldsOf('AuditedFilterArgument').join(' ')} }`;
          const selection =
            typeName === 'AuditedFilter'
              ? fieldsOf('AuditedFilter')
                  .map((f) => (f === 'arguments' ? inner : f))
                  .join(' ')
              : inner;
          const res = await app.gql(
            `query ($a: String!) { auditLog(filter: { actorId: $a }, first: 1) { edges { node { filter { ${selection} } } } } }`,
            { a: officer.id },
            { as },
          );
          const filter = res.data?.auditLog?.edges?.[0]?.node?.filter;
          return { object: typeName === 'AuditedFilter' ? filter : filter?.arguments?.[0], errors: res.errors ?? [] };
        },
      } satisfies Reach,
    ]),
  ),
  // Every column with a reveal cell on a holding's account number (the auditor reads it in full, marketing never).
  RevealedValue: {
    columns: {
      RM: Role.RELATIONSHIP_MANAGER,
      BRANCH: Role.BRANCH_STAFF,
      CALL_CENTER: Role.CALL_CENTER_AGENT,
      RISK: Role.RISK_OFFICER,
    },
    run: async (as) => {
      const reason = as.roles.includes(Role.RISK_OFFICER) ? 'FRAUD_CHECK' : 'CUSTOMER_REQUEST';
      const res = await app.gql(
        `mutation ($h: ID!, $r: RevealReason!) {
           revealField(target: { holdingId: $h }, field: ACCOUNT_NO, reason: $r, note: "核对账号") {
             ${fieldsOf('RevealedValue').join(' ')} } }`,
        { h: await holdingOf(world.customerId), r: reason },
        { as },
      );
      return { object: res.data?.revealField, errors: res.errors ?? [] };
    },
  },
  AuditedReveal: {
    columns: { AUDITOR: Role.COMPLIANCE_AUDITOR },
    run: async (as) => {
      // A reveal with every detail set (a holding's, with a ticket) by a staff member who does nothing else.
      const agent = { sub: (await make.staff()).id, roles: [Role.CALL_CENTER_AGENT] };
      const revealed = await app.gql(
        `mutation ($h: ID!) { revealField(target: { holdingId: $h }, field: ACCOUNT_NO, reason: COMPLAINT,
           note: "投诉核对", ticket: "CS-1") { value } }`,
        { h: await holdingOf(world.customerId) },
        { as: agent },
      );
      if (revealed.errors) throw new Error(`the reveal failed: ${JSON.stringify(revealed.errors)}`);
      const res = await app.gql(
        `query ($a: String!) { auditLog(filter: { actorId: $a }, first: 1) { edges { node {
           reveal { ${fieldsOf('AuditedReveal').join(' ')} } } } } }`,
        { a: agent.sub },
        { as },
      );
      return { object: res.data?.auditLog?.edges?.[0]?.node?.reveal, errors: res.errors ?? [] };
    },
  },
  AuditedRefusals: {
    columns: { AUDITOR: Role.COMPLIANCE_AUDITOR },
    run: async (as: TokenClaims) => {
      // Branch staff are denied AUM: the attempt leaves a REFUSED record describing it.
      const clerk = await make.staff({ branchId: world.branchId });
      const refused = await app.gql(
        `query ($c: ID!) { customer(id: $c) { aum } }`,
        { c: world.customerId },
        {
          as: { sub: clerk.id, roles: [Role.BRANCH_STAFF], branchId: world.branchId },
        },
      );
      if (refused.errors?.[0]?.extensions?.code !== 'FORBIDDEN') {
        throw new Error(`the denied read was not refused: ${JSON.stringify(refused)}`);
      }
      const res = await app.gql(
        `query ($a: String!) { auditLog(filter: { actorId: $a }, first: 1) { edges { node { refusals { ${fieldsOf('AuditedRefusals').join(' ')} } } } } }`,
        { a: clerk.id },
        { as },
      );
      return { object: res.data?.auditLog?.edges?.[0]?.node?.refusals, errors: res.errors ?? [] };
    },
  },
  ContactCheck: {
    columns: { RM: Role.RELATIONSHIP_MANAGER, BRANCH: Role.BRANCH_STAFF, CALL_CENTER: Role.CALL_CENTER_AGENT },
    run: async (as) => {
      const res = await app.gql(
        `query ($c: ID!, $k: ID!) { contactCheck(customerId: $c, campaignId: $k, channel: MOBILE_APP) {
           ${fieldsOf('ContactCheck').join(' ')} } }`,
        { c: world.customerId, k: world.campaignId },
        { as },
      );
      return { object: res.data?.contactCheck, errors: res.errors ?? [] };
    },
  },
  InteractionException: {
    columns: { AUDITOR: Role.COMPLIANCE_AUDITOR },
    run: async (as) => {
      // A contact without consent, recorded as the relationship manager: flagged, so it is an exception.
      const customer = await make.customer({ branchId: world.branchId, relationshipManagerId: world.rmId });
      const campaign = await make.campaign({ status: 'ACTIVE' as never, code: `POLICY-${++counter}` });
      await make.enrollment(campaign.id, customer.id);
      const recorded = await app.gql(
        `mutation ($i: RecordInteractionInput!) { recordInteraction(input: $i) { id } }`,
        {
          i: {
            customerNo: customer.customerNo,
            channel: 'MOBILE_APP',
            type: 'CAMPAIGN_CONTACT',
            campaignId: campaign.id,
            occurredAt: new Date().toISOString(),
          },
        },
        { as: { sub: world.rmId, roles: [Role.RELATIONSHIP_MANAGER], branchId: world.branchId } },
      );
      if (recorded.errors) throw new Error(`recording the contact failed: ${JSON.stringify(recorded.errors)}`);
      const type = schema.getType('InteractionException') as GraphQLObjectType;
      const res = await app.gql(
        `{ contactExceptions(first: 1) { edges { node { ${fieldsOf('InteractionException')
          .map((f) => selectionOf(type, f))
          .join(' ')} } } } }`,
        undefined,
        { as },
      );
      return { object: res.data?.contactExceptions?.edges?.[0]?.node, errors: res.errors ?? [] };
    },
  },
  // The roles that may call Query.leads; a lead of the world's customer, routed to its manager, every field set.
  Lead: {
    columns: { RM: Role.RELATIONSHIP_MANAGER, BRANCH: Role.BRANCH_STAFF, AUDITOR: Role.COMPLIANCE_AUDITOR },
    run: async (as) => {
      await app.ds.query(`DELETE FROM lead`);
      await make.lead({ id: world.customerId, branchId: world.branchId, relationshipManagerId: world.rmId });
      const type = schema.getType('Lead') as GraphQLObjectType;
      const res = await app.gql(
        `{ leads(first: 1) { edges { node { ${fieldsOf('Lead')
          .map((f) => selectionOf(type, f))
          .join(' ')} } } } }`,
        undefined,
        { as },
      );
      return { object: res.data?.leads?.edges?.[0]?.node, errors: res.errors ?? [] };
    },
  },
  ...Object.fromEntries(
    (['PolicyShadowReport', 'PolicyShadowRow'] as const).map((typeName) => [
      typeName,
      {
        columns: { AUDITOR: Role.COMPLIANCE_AUDITOR },
        run: async (as: TokenClaims) => {
          // A call the candidate would refuse: the report has a row.
          await app.gql('{ tags { code } }', undefined, { as: { sub: world.rmId, roles: [Role.CALL_CENTER_AGENT] } });
          const row = fieldsOf('PolicyShadowRow').join(' ');
          const selection =
            typeName === 'PolicyShadowReport'
              ? fieldsOf('PolicyShadowReport')
                  .map((f) => (f === 'rows' ? 'rows { count }' : f))
                  .join(' ')
              : `rows { ${row} }`;
          const res = await app.gql(`{ policyShadowReport { ${selection} } }`, undefined, { as });
          const report = res.data?.policyShadowReport;
          return {
            object: typeName === 'PolicyShadowReport' ? report : report?.rows?.[0],
            errors: res.errors ?? [],
          };
        },
      } satisfies Reach,
    ]),
  ),
  // Only the RM column: a task a manager completes has every field set (a branch's task has no assignee,
  // so BRANCH could not show each field allowed); the retention-tasks test covers branch staff's reach.
  RetentionTask: {
    columns: { RM: Role.RELATIONSHIP_MANAGER },
    run: async (as) => {
      const customer = await make.customer({ branchId: world.branchId, relationshipManagerId: world.rmId });
      const task = await make.retentionTask(customer, {}, { endedAt: new Date() });
      const type = schema.getType('RetentionTask') as GraphQLObjectType;
      const res = await app.gql(
        `mutation ($id: ID!) { completeTask(id: $id, outcome: RETAINED, reason: SERVICE, note: "回访") {
           ${fieldsOf('RetentionTask')
             .map((f) => selectionOf(type, f))
             .join(' ')} } }`,
        { id: task.id },
        { as },
      );
      return { object: res.data?.completeTask, errors: res.errors ?? [] };
    },
  },
  ...Object.fromEntries(
    (['ChurnReport', 'ChurnTierCount', 'ChurnSignalCount', 'ChurnOutcomeCount', 'ChurnReasonCount'] as const).map(
      (typeName) => [
        typeName,
        {
          columns: { MKT: Role.MARKETING_ANALYST, RISK: Role.RISK_OFFICER, AUDITOR: Role.COMPLIANCE_AUDITOR },
          run: async (as: TokenClaims) => {
            // A completed task of the world's customer: every list of the report has a row.
            const customer = { id: world.customerId, branchId: world.branchId, relationshipManagerId: world.rmId };
            await app.ds.query(
              `UPDATE churn_episode SET ended_at = now() WHERE customer_id = $1 AND ended_at IS NULL`,
              [customer.id],
            );
            await make.retentionTask(customer, {
              status: 'COMPLETED' as never,
              outcome: 'LOST' as never,
              reason: 'PRICE' as never,
              completedAt: new Date(),
              completedBy: world.rmId,
            });
            const lists: Record<string, string> = {
              ChurnTierCount: 'byTier',
              ChurnSignalCount: 'bySignal',
              ChurnOutcomeCount: 'byOutcome',
              ChurnReasonCount: 'byReason',
            };
            const own = (t: string) => fieldsOf(t).join(' ');
            const selection =
              typeName === 'ChurnReport'
                ? fieldsOf('ChurnReport')
                    .map((f) => (Object.values(lists).includes(f) ? `${f} { count }` : f))
                    .join(' ')
                : `${lists[typeName]} { ${own(typeName)} }`;
            const res = await app.gql(
              `{ churnReport(from: "1900-01-01", to: "2100-12-31") { ${selection} } }`,
              undefined,
              { as },
            );
            const report = res.data?.churnReport;
            return {
              object: typeName === 'ChurnReport' ? report : report?.[lists[typeName]]?.[0],
              errors: res.errors ?? [],
            };
          },
        } satisfies Reach,
      ],
    ),
  ),
  DataSubjectExport: {
    columns: { AUDITOR: Role.COMPLIANCE_AUDITOR },
    nullWhenAllowed: ['erasedAt', 'heldUntil'],
    run: async (as) => {
      const res = await app.gql(
        `query ($id: ID!) { dataSubjectExport(customerId: $id) { ${fieldsOf('DataSubjectExport').join(' ')} } }`,
        { id: world.customerId },
        { as },
      );
      return { object: res.data?.dataSubjectExport, errors: res.errors ?? [] };
    },
  },
  ...Object.fromEntries(
    (['ErasureReceipt', 'ErasedRecordCount'] as const).map((typeName) => [
      typeName,
      {
        columns: { AUDITOR: Role.COMPLIANCE_AUDITOR },
        run: async (as: TokenClaims) => {
          // A customer of its own each time, with an interaction so that the receipt lists a removed kind.
          const customer = await make.customer({ branchId: world.branchId });
          await make.holding(customer.id);
          await make.interaction(customer.id);
          const selection =
            typeName === 'ErasureReceipt'
              ? fieldsOf('ErasureReceipt')
                  .map((f) => (f === 'removed' ? 'removed { count }' : f))
                  .join(' ')
              : `removed { ${fieldsOf('ErasedRecordCount').join(' ')} }`;
          const res = await app.gql(
            `mutation ($id: ID!) { eraseCustomer(customerId: $id, reason: DATA_SUBJECT_REQUEST) { ${selection} } }`,
            { id: customer.id },
            { as },
          );
          const receipt = res.data?.eraseCustomer;
          return {
            object: typeName === 'ErasureReceipt' ? receipt : receipt?.removed?.[0],
            errors: res.errors ?? [],
          };
        },
      } satisfies Reach,
    ]),
  ),
  ...Object.fromEntries(
    (['EnrollmentRun', 'EnrollmentRunProgress', 'EnrollmentSkipCount', 'SkippedCustomer'] as const).map((typeName) => [
      typeName,
      {
        // Marketing managers start runs; they, risk officers and auditors read them (Query.enrollmentRun).
        columns: { MKT: Role.MARKETING_MANAGER, RISK: Role.RISK_OFFICER, AUDITOR: Role.COMPLIANCE_AUDITOR },
        nullWhenAllowed: ['failureReason'],
        run: async (as: TokenClaims) => {
          const campaign = await make.campaign({ status: 'APPROVED' as never, code: `POLICY-${++counter}` });
          // No consent: skipped as NO_CONSENT, so the skip types have a row to show.
          const skipped = await make.customer();
          const manager = { sub: (await make.staff()).id, roles: [Role.MARKETING_MANAGER] };
          // Only __typename: the cell under test may deny the manager any field of the run.
          const started = await app.gql(
            `mutation ($c: ID!, $ids: [ID!]) { enrollCustomers(campaignId: $c, customerIds: $ids) { __typename } }`,
            { c: campaign.id, ids: [skipped.id] },
            { as: manager },
          );
          if (started.errors) throw new Error(`enrollCustomers failed: ${JSON.stringify(started.errors)}`);
          const [{ id }] = await app.ds.query(`SELECT id FROM enrollment_run WHERE campaign_id = $1`, [campaign.id]);
          const res = await waitForRun(app, id, as, selectEnrollment(typeName));
          const run = res.data?.enrollmentRun;
          const object =
            typeName === 'EnrollmentRun'
              ? run
              : typeName === 'EnrollmentRunProgress'
                ? run?.progress
                : typeName === 'EnrollmentSkipCount'
                  ? run?.skipped?.[0]
                  : run?.skippedCustomers?.edges?.[0]?.node;
          return { object, errors: res.errors ?? [] };
        },
      } satisfies Reach,
    ]),
  ),
};

function selectEnrollment(typeName: string): string {
  const own = (t: string) =>
    fieldsOf(t)
      .map((f) =>
        f === 'skipped'
          ? 'skipped { count }'
          : f === 'skippedCustomers'
            ? 'skippedCustomers(first: 1) { totalCount }'
            : f === 'progress'
              ? 'progress { done }'
              : f,
      )
      .join(' ');
  if (typeName === 'EnrollmentRun') return own('EnrollmentRun');
  if (typeName === 'EnrollmentRunProgress') return `progress { ${own('EnrollmentRunProgress')} }`;
  if (typeName === 'EnrollmentSkipCount') return `skipped { ${own('EnrollmentSkipCount')} }`;
  return `skippedCustomers(first: 1) { edges { node { ${own('SkippedCustomer')} } } }`;
}

async function holdingOf(customerId: string): Promise<string> {
  return (await app.ds.query('SELECT id FROM holding WHERE customer_id = $1 LIMIT 1', [customerId]))[0].id;
}

async function customerNoOf(id: string): Promise<string> {
  return (await app.ds.query('SELECT customer_no FROM customer WHERE id = $1', [id]))[0].customer_no;
}

describe('types reached from other root fields and mutations', () => {
  it('are all reached', () => {
    expect(Object.keys(REACH).sort()).toEqual(NOT_UNDER_A_CUSTOMER.filter((t) => t !== 'AuditRecord').sort());
  });

  it.each(Object.keys(REACH))('%s follows the policy: each field denied, then allowed', async (typeName) => {
    const reach = REACH[typeName];
    const problems: string[] = [];
    for (const [column, role] of Object.entries(reach.columns) as [RoleColumn, Role][]) {
      const as =
        role === Role.PARTNER
          ? { sub: 'partner-policy', roles: [role], scopes: [Scope.INTERACTIONS_WRITE] }
          : { sub: world.rmId, roles: [role], branchId: world.branchId };
      for (const field of fieldsOf(typeName)) {
        use(changed(column, [[typeName, field, 'D']]));
        const denied = await reach.run(as);
        // One FORBIDDEN per object of the type in the answer: a breakdown's counts (nullable since small-cohort
        // suppression) answer each at its own path instead of nulling the list at the first.
        const atField = denied.errors.filter((e) => e.path?.[e.path.length - 1] === field);
        if (atField.length === 0 || atField.some((e) => e.extensions.code !== 'FORBIDDEN')) {
          problems.push(`${typeName}.${field} for ${column}: D, but ${JSON.stringify(denied.errors)}`);
        }
        if (denied.object && denied.object[field] !== null)
          problems.push(`${typeName}.${field} for ${column}: D, but read`);
      }
      use(
        changed(
          column,
          fieldsOf(typeName).map((f) => [typeName, f, 'F'] as [string, string, Access]),
        ),
      );
      const allowed = await reach.run(as);
      if (allowed.errors.length || !allowed.object)
        problems.push(`${typeName} for ${column}: F, but ${JSON.stringify(allowed.errors)}`);
      for (const field of fieldsOf(typeName)) {
        if (allowed.object && allowed.object[field] == null && !reach.nullWhenAllowed?.includes(field))
          problems.push(`${typeName}.${field} for ${column}: F, but null`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('the audit log', () => {
  it('follows the policy for auditors, the only column that may read it: each field denied, then allowed', async () => {
    // One record that nothing else writes to: a tag assigned by a staff member who does nothing else.
    const actor = await make.staff({ branchId: world.branchId });
    const tag = await make.tag();
    const assigned = await app.gql(
      `mutation ($c: ID!, $t: String!) { assignTag(customerId: $c, tagCode: $t) { source } }`,
      { c: world.customerId, t: tag.code },
      { as: { sub: actor.id, roles: [Role.BRANCH_STAFF], branchId: world.branchId } },
    );
    expect(assigned.errors).toBeUndefined();
    const names = fieldsOf('AuditRecord');
    const type = schema.getType('AuditRecord') as GraphQLObjectType;
    const selection = names.map((f) => selectionOf(type, f)).join(' ');
    const query = `query ($a: String!) { auditLog(filter: { actorId: $a }, first: 1) { edges { node { ${selection} } } } }`;
    const read = async () => app.gql(query, { a: actor.id });
    const full = (await read()).data.auditLog.edges[0].node;
    const problems: string[] = [];
    for (const field of names) {
      use(changed('AUDITOR', [['AuditRecord', field, 'D']]));
      const res = await read();
      const node = res.data?.auditLog?.edges?.[0]?.node;
      const atField = (res.errors ?? []).filter((e) => e.path?.[e.path.length - 1] === field);
      if (atField.length !== 1 || atField[0].extensions.code !== 'FORBIDDEN')
        problems.push(`AuditRecord.${field}: D, but no FORBIDDEN at its path`);
      if (node && node[field] !== null) problems.push(`AuditRecord.${field}: D, but read`);
    }
    use(
      changed(
        'AUDITOR',
        names.map((f) => ['AuditRecord', f, 'F'] as [string, string, Access]),
      ),
    );
    expect((await read()).data.auditLog.edges[0].node).toEqual(full);
    expect(problems).toEqual([]);
  });
});

describe('root fields', () => {
  it('follow the policy: a root field taken from a role is FORBIDDEN to it, one given to a role is answered', async () => {
    const agent = { sub: world.rmId, roles: [Role.CALL_CENTER_AGENT] };
    const risk = { sub: world.rmId, roles: [Role.RISK_OFFICER] };
    current = BASE;
    expect((await app.gql('{ tags { code } }', undefined, { as: agent })).errors).toBeUndefined();
    expect(
      (await app.gql('{ auditLog(first: 1) { totalCount } }', undefined, { as: risk })).errors?.[0].extensions.code,
    ).toBe('FORBIDDEN');
    const operations = structuredClone(LIVE_POLICY_DATA.operations);
    operations.Query.tags = [Role.RISK_OFFICER];
    operations.Query.auditLog = [Role.COMPLIANCE_AUDITOR, Role.RISK_OFFICER];
    current = new PrivacyPolicy({ ...BASE.data, operations });
    expect((await app.gql('{ tags { code } }', undefined, { as: agent })).errors?.[0].extensions.code).toBe(
      'FORBIDDEN',
    );
    expect((await app.gql('{ tags { code } }', undefined, { as: risk })).errors).toBeUndefined();
    expect((await app.gql('{ auditLog(first: 1) { totalCount } }', undefined, { as: risk })).errors).toBeUndefined();
  });
});

describe('reveal cells', () => {
  const REVEAL = `mutation ($c: ID!, $f: RevealableField!) {
    revealField(target: { customerId: $c }, field: $f, reason: CUSTOMER_REQUEST, note: "客户要求") { value } }`;

  /** The live policy with one field's reveal cells replaced. */
  function withReveal(type: string, field: string, reveal: FieldPolicy[string][string]['reveal']): PrivacyPolicy {
    const fields = changed('CALL_CENTER', []);
    fields[type][field] = { ...fields[type][field], reveal };
    return new PrivacyPolicy({ ...BASE.data, fields });
  }

  it('decide whether revealField answers: a reveal cell given to a column is answered, one taken away is FORBIDDEN', async () => {
    const agent = { sub: (await make.staff()).id, roles: [Role.CALL_CENTER_AGENT] };
    const [customer] = await decrypted(
      app.ds,
      'customer',
      await app.ds.query('SELECT id_number, phone FROM customer WHERE id = $1', [world.customerId]),
      { id_number: 'id_number', phone: 'phone' },
    );
    const ask = async (field: string) => app.gql(REVEAL, { c: world.customerId, f: field }, { as: agent });

    current = BASE;
    expect((await ask('ID_NUMBER')).errors?.map((e) => e.extensions.code)).toEqual(['FORBIDDEN']);
    expect((await ask('PHONE')).data.revealField.value).toBe(customer.phone);

    current = withReveal('Customer', 'idNumber', { CALL_CENTER: [RevealReason.CUSTOMER_REQUEST] });
    expect((await ask('ID_NUMBER')).data.revealField.value).toBe(customer.id_number);

    current = withReveal('Customer', 'phone', { RISK: [RevealReason.FRAUD_CHECK] });
    expect((await ask('PHONE')).errors?.map((e) => e.extensions.code)).toEqual(['FORBIDDEN']);

    // A reason the cell does not name is refused like a missing cell.
    current = withReveal('Customer', 'phone', { CALL_CENTER: [RevealReason.COMPLAINT] });
    expect((await ask('PHONE')).errors?.map((e) => e.extensions.code)).toEqual(['FORBIDDEN']);
  });

  it('follow the access cell too: a column whose phone cell is made F or D has nothing to reveal', () => {
    for (const access of ['F', 'D'] as Access[]) {
      const fields = changed('CALL_CENTER', []);
      fields.Customer.phone.access.CALL_CENTER = access;
      expect(() => new PrivacyPolicy({ ...LIVE_POLICY_DATA, fields })).toThrow(
        `Customer.phone may be revealed by CALL_CENTER, whose cell is ${access}, not M`,
      );
    }
  });
});

/**
 * The data-subject export is one JSON document, not fields graphql-js
 * resolves: each section is read as an API type (privacy/document-view.ts),
 * so the cells of those types decide what it holds, for the one column that
 * may call it.
 */
describe('the data-subject export document', () => {
  const SECTION_TYPES: Record<string, string> = {
    profile: 'Customer',
    holdings: 'Holding',
    interactions: 'Interaction',
    consents: 'Consent',
    tags: 'CustomerTag',
    campaignEnrollments: 'CampaignEnrollment',
    riskAssessments: 'RiskProfile',
  };
  const exportDocument = async () => {
    const res = await app.gql(
      `query ($id: ID!) { dataSubjectExport(customerId: $id) { document withheld } }`,
      { id: world.customerId },
      { as: { sub: world.rmId, roles: [Role.COMPLIANCE_AUDITOR] } },
    );
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    return res.data.dataSubjectExport as { document: Record<string, any>; withheld: string[] };
  };
  const objectsOf = (document: Record<string, any>, section: string): Record<string, unknown>[] =>
    section === 'profile' ? [document.profile] : document[section];

  it('leaves out every field its types deny, and lists it as withheld', async () => {
    const full = await exportDocument();
    const cells = Object.values(SECTION_TYPES).flatMap((type) =>
      Object.keys(FIELD_POLICY[type]).map((field) => [type, field, 'D'] as [string, string, Access]),
    );
    use(changed('AUDITOR', cells));
    const denied = await exportDocument();
    for (const [section, type] of Object.entries(SECTION_TYPES)) {
      expect(objectsOf(full.document, section).length).toBeGreaterThan(0);
      for (const object of objectsOf(denied.document, section)) expect(object).toEqual({});
      // Keys read as another field of their type (a holding's daily balances, as its balance) are listed by it.
      const fields = Object.keys(objectsOf(full.document, section)[0]).filter((f) => f in FIELD_POLICY[type]);
      expect(denied.withheld).toEqual(expect.arrayContaining(fields.map((f) => `${type}.${f}`)));
    }
  });

  it('masks every field its types mask', async () => {
    const full = await exportDocument();
    const cells = Object.values(SECTION_TYPES).flatMap((type) =>
      Object.entries(FIELD_POLICY[type])
        .filter(([, rule]) => rule.mask)
        .map(([field]) => [type, field, 'M'] as [string, string, Access]),
    );
    expect(cells.length).toBeGreaterThan(0);
    use(changed('AUDITOR', cells));
    const masked = await exportDocument();
    for (const [section, type] of Object.entries(SECTION_TYPES)) {
      const before = objectsOf(full.document, section)[0];
      const after = objectsOf(masked.document, section)[0];
      for (const [, field] of cells.filter(([t]) => t === type)) {
        if (before[field] == null) continue;
        expect([field, after[field]]).not.toEqual([field, before[field]]);
        expect(typeof after[field]).toBe('string');
        expect(String(after[field])).toContain('*');
      }
    }
  });
});

describe('small-cohort suppression (AGGREGATES)', () => {
  it('follows the policy: a column made pseudonymised for aggregates has small cohorts withheld, one made exact not', async () => {
    // A branch of its own with one customer, in the world manager's book: fewer than K_ANONYMITY_MIN (10).
    const small = await make.branch();
    await make.customer({ branchId: small.id, relationshipManagerId: world.rmId });
    const LIST = `query ($b: ID!) { customers(filter: { branchIds: [$b] }) { totalCount edges { node { id } } } }`;
    const problems: string[] = [];
    for (const column of COLUMNS) {
      const as = { sub: world.rmId, roles: [roleOf(column)], branchId: small.id };
      for (const rule of ['SMALL_COHORTS_SUPPRESSED', 'EXACT'] as const) {
        current = new PrivacyPolicy({
          ...LIVE_POLICY_DATA,
          aggregates: { ...LIVE_POLICY_DATA.aggregates, [column]: rule },
        });
        const res = await app.gql(LIST, { b: small.id }, { as });
        const codes = (res.errors ?? []).map((e) => `${e.extensions.code}@${e.path?.join('.')}`).sort();
        const { totalCount, edges } = res.data.customers;
        if (rule === 'EXACT' && (codes.length || !(totalCount > 0) || edges.length !== totalCount))
          problems.push(`${column} EXACT: ${totalCount}, ${edges.length} rows, ${codes}`);
        if (
          rule === 'SMALL_COHORTS_SUPPRESSED' &&
          (totalCount !== null ||
            edges.length ||
            codes.join() !== 'SUPPRESSED@customers,SUPPRESSED@customers.totalCount')
        )
          problems.push(`${column} SMALL_COHORTS_SUPPRESSED: ${totalCount}, ${edges.length} rows, ${codes}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
