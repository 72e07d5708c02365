import { DIRECT_CUSTOMER_FIELDS } from '../../src/modules/customer/customer-direct';
import { GraphQLSchema } from 'graphql';
import { Role } from '../../src/auth/roles';
import { REVEALABLE, RevealableField } from '../../src/modules/reveal/reveal.enums';
import {
  AGGREGATES,
  AggregateRule,
  ALL_COLUMNS,
  COLUMNS,
  FIELD_POLICY,
  LIVE_POLICY_DATA,
  RevealReason,
  RoleColumn,
} from '../../src/privacy/policy';
import { LIVE_POLICY, PrivacyPolicy } from '../../src/privacy/privacy-policy';
import { getSchema } from '../../src/server/schema';
import { Factory } from '../support/factories';
import {
  buildPolicyWorld,
  claimsFor,
  CUSTOMER_PATHS,
  DIRECT_READ_TYPES,
  fullRead,
  NOT_UNDER_A_CUSTOMER,
  PolicyWorld,
  roleOf,
  typeFollowsPolicy,
} from '../support/policy-walk';
import { startTestApp, TestApp } from '../support/test-app';
import { staffId } from '../support/staff-ids';
import { decrypted } from '../support/stored';

/**
 * Generated from the policy: for every role and every field of the types
 * that carry private data, the response must hold the full value, the exact
 * mask, or null with FORBIDDEN at that path, as the policy says.
 */
let app: TestApp;
let schema: GraphQLSchema;
let world: PolicyWorld;
/**
 * The walk of field cells withholds no small cohort (the world's counts are of a customer or two, and a
 * count withheld is null for another reason than its cell); the walk of AGGREGATES below uses the live policy whole.
 */
const FIELD_CELLS = new PrivacyPolicy({
  ...LIVE_POLICY_DATA,
  aggregates: Object.fromEntries(ALL_COLUMNS.map((c) => [c, 'EXACT'])) as Record<RoleColumn, AggregateRule>,
});
let current: PrivacyPolicy = FIELD_CELLS;
/** One factory for the file: its counter keeps codes and numbers unique. */
let make: Factory;

beforeAll(async () => {
  app = await startTestApp({}, { privacyPolicy: () => current });
  schema = await getSchema();
  make = new Factory(app.ds);
  world = await buildPolicyWorld(app, make);
});
afterAll(() => app.close());

it('walks every type that has a policy and is reachable from a customer', () => {
  // Not reachable from a customer: the audit log and the contact exceptions (auditors only), contactCheck's
  // verdict and what mutations return (enrollCustomers' result, write receipts); the policy-mutation test reaches them.
  expect(Object.keys(CUSTOMER_PATHS).sort()).toEqual(
    Object.keys(FIELD_POLICY)
      .filter((t) => !NOT_UNDER_A_CUSTOMER.includes(t))
      .sort(),
  );
});

describe.each(COLUMNS)('the %s column of the privacy matrix', (column) => {
  it.each(Object.keys(CUSTOMER_PATHS))('holds for every field of %s', async (typeName) => {
    const full = await fullRead(app, schema, world, typeName);
    expect(await typeFollowsPolicy(app, schema, world, FIELD_POLICY, column, typeName, full)).toEqual([]);
  });
  it.each(['customer', 'page'] as const)(
    'holds for the fields of Customer that direct reads project, read through %s',
    async (route) => {
      const full = await fullRead(app, schema, world, 'Customer');
      expect(
        await typeFollowsPolicy(
          app,
          schema,
          world,
          FIELD_POLICY,
          column,
          'Customer',
          full,
          DIRECT_CUSTOMER_FIELDS,
          route,
        ),
      ).toEqual([]);
    },
  );
  it.each(DIRECT_READ_TYPES)('holds for every field of %s read through a page (direct reads)', async (typeName) => {
    const full = await fullRead(app, schema, world, typeName);
    expect(
      await typeFollowsPolicy(app, schema, world, FIELD_POLICY, column, typeName, full, undefined, 'page'),
    ).toEqual([]);
  });
});

/**
 * revealField per column: for every revealable field and every reason, the
 * reveal is answered with the full value exactly where the column's cell is M
 * and its reveal cell names the reason, and FORBIDDEN everywhere else (D and F
 * cells included). Each column is a staff member of its own (the quota is per
 * caller), the RM column the customer's own manager.
 */
describe.each(COLUMNS)('reveals by the %s column', (column) => {
  it('are answered exactly where the policy has a reveal cell for the reason', async () => {
    const as =
      column === 'RM'
        ? claimsFor(world, 'RM')
        : {
            sub: (await make.staff({ branchId: world.branchId })).id,
            roles: [roleOf(column)],
            branchId: world.branchId,
          };
    const [stored] = await app.ds.query(
      `SELECT c.id_number AS "idNumber", c.phone, c.email, h.id AS "holdingId", h.account_no AS "accountNo",
              c.address_province || c.address_city || c.address_district AS address, c.address_street AS street
       FROM customer c JOIN holding h ON h.customer_id = c.id WHERE c.id = $1`,
      [world.customerId],
    );
    // Stored encrypted: the values to expect are the plaintexts.
    await decrypted(app.ds, 'customer', [stored], {
      id_number: 'idNumber',
      phone: 'phone',
      email: 'email',
      address_street: 'street',
    });
    await decrypted(app.ds, 'holding', [stored], { account_no: 'accountNo' });
    stored.address += stored.street;
    const problems: string[] = [];
    let granted = 0;
    for (const [value, { type, field }] of Object.entries(REVEALABLE) as [
      RevealableField,
      (typeof REVEALABLE)[RevealableField],
    ][]) {
      const rule = FIELD_POLICY[type][field];
      for (const reason of Object.values(RevealReason)) {
        const expected = rule.access[column] === 'M' && (rule.reveal?.[column] ?? []).includes(reason);
        const target = type === 'Holding' ? { holdingId: stored.holdingId } : { customerId: world.customerId };
        const res = await app.gql(
          `mutation ($t: RevealTarget!, $f: RevealableField!, $r: RevealReason!) {
             revealField(target: $t, field: $f, reason: $r, note: "矩阵核对") { value } }`,
          { t: target, f: value, r: reason },
          { as },
        );
        const cell = `${type}.${field} for ${column}, ${reason}`;
        if (expected) {
          granted++;
          if (res.data?.revealField?.value !== stored[field])
            problems.push(`${cell}: may reveal, but ${JSON.stringify(res)}`);
        } else if (res.data?.revealField !== null || res.errors?.[0]?.extensions.code !== 'FORBIDDEN') {
          problems.push(`${cell}: may not reveal, but ${JSON.stringify(res.data ?? res.errors)}`);
        }
      }
    }
    expect(problems).toEqual([]);
    // What the cells grant today (policy.ts), so that a walk which grants nothing cannot pass unnoticed.
    const grantedToday: Record<RoleColumn, number> = {
      RM: 3,
      BRANCH: 9,
      CALL_CENTER: 8,
      MKT: 0,
      RISK: 4,
      AUDITOR: 0,
      PARTNER: 0,
    };
    expect(granted).toBe(grantedToday[column]);
  });
});

describe.each(COLUMNS)('the %s column of small-cohort suppression', (column) => {
  afterEach(() => {
    current = FIELD_CELLS;
  });

  it(`withholds a count over fewer than K customers, and the list, exactly as AGGREGATES says (${AGGREGATES[column]})`, async () => {
    current = LIVE_POLICY;
    // A branch of its own with one customer, in the world manager's book: fewer than K_ANONYMITY_MIN (10).
    const small = await make.branch();
    await make.customer({ branchId: small.id, relationshipManagerId: world.rmId });
    const res = await app.gql(
      `query ($b: ID!) { customers(filter: { branchIds: [$b] }) { totalCount edges { node { id } } } }`,
      { b: small.id },
      { as: { sub: world.rmId, roles: [roleOf(column)], branchId: small.id } },
    );
    const withheld = (res.errors ?? []).filter((e) => e.extensions.code === 'SUPPRESSED').map((e) => e.path?.join('.'));
    if (AGGREGATES[column] === 'SMALL_COHORTS_SUPPRESSED') {
      expect(res.data.customers).toEqual({ totalCount: null, edges: [] });
      expect(withheld.sort()).toEqual(['customers', 'customers.totalCount']);
    } else {
      expect(res.errors).toBeUndefined();
      expect(res.data.customers.totalCount).toBeGreaterThan(0);
      expect(res.data.customers.edges).toHaveLength(res.data.customers.totalCount);
    }
  });
});

describe('masks in responses', () => {
  it('use the exact formats of the brief', async () => {
    const res = await app.gql(
      `query ($id: ID!) { customer(id: $id) { name idNumber phone email address holdings { edges { node { accountNo } } } } }`,
      { id: world.customerId },
      { as: { sub: staffId('agent'), roles: [Role.CALL_CENTER_AGENT] } },
    );
    expect(res.data.customer).toEqual({
      name: '欧阳娜娜',
      idNumber: '440***********002X',
      phone: '139****5678',
      email: 'n***@example.com',
      address: '广东省深圳市南山区****',
      holdings: { edges: [{ node: { accountNo: '****2233' } }] },
    });
  });

  it('grant the union of several roles: the most open cell wins', async () => {
    const res = await app.gql(
      `query ($id: ID!) { customer(id: $id) { name phone aum } }`,
      { id: world.customerId },
      { as: { sub: staffId('x'), roles: [Role.MARKETING_ANALYST, Role.CALL_CENTER_AGENT] } },
    );
    expect(res.errors?.map((e) => e.path?.join('.'))).toEqual(['customer.aum']);
    expect(res.data.customer).toEqual({ name: '欧阳娜娜', phone: '139****5678', aum: null });
  });
});

describe('partners', () => {
  it('read no customer data: the query fields themselves are FORBIDDEN', async () => {
    const partner = { sub: 'partner-1', roles: [Role.PARTNER], scopes: ['interactions:write'] };
    for (const query of [
      `{ customer(id: "${world.customerId}") { id } }`,
      `{ customerByNumber(customerNo: "x") { id } }`,
      `{ customers { totalCount } }`,
      `{ tags { code } }`,
    ]) {
      const res = await app.gql(query, undefined, { as: partner });
      expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
      // Nullable fields answer null; a non-null one (customers, tags) nulls the whole data.
      expect(Object.values(res.data ?? {})).toEqual(res.data ? [null] : []);
    }
    expect((await app.gql(`{ me { id } }`, undefined, { as: partner })).data.me.id).toBe('partner-1');
  });
});
