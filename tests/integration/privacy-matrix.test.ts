import { getNamedType, GraphQLObjectType, isObjectType } from 'graphql';
import { Role } from '../../src/auth/roles';
import { TokenClaims } from '../../src/auth/token-issuer';
import { CreditGrade } from '../../src/modules/risk/risk.enums';
import { Column, COLUMN_OF_ROLE, COLUMNS, FIELD_POLICY } from '../../src/privacy/policy';
import { getSchema } from '../../src/server/schema';
import { Factory } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import { staffId } from '../support/staff-ids';

/**
 * Generated from the policy: for every role and every field of the types
 * that carry private data, the response must hold the full value, the exact
 * mask, or null with FORBIDDEN at that path, as the policy says.
 */
let app: TestApp;
let customerId: string;
let rmId: string;
let branchId: string;
const addressParts = { province: '广东省', city: '深圳市', district: '南山区' };

// How each type is reached from a customer. `pick` answers undefined when a
// denied parent (a marketing role's interactions) hides the whole type.
const PATHS: Record<string, { select: (fields: string) => string; pick: (customer: any) => any }> = {
  Customer: { select: (f) => f, pick: (c) => c },
  Holding: { select: (f) => `holdings(first: 1) { edges { node { ${f} } } }`, pick: (c) => c.holdings.edges[0].node },
  RiskProfile: { select: (f) => `riskProfile { ${f} }`, pick: (c) => c.riskProfile },
  Product: {
    select: (f) => `holdings(first: 1) { edges { node { product { ${f} } } } }`,
    pick: (c) => c.holdings.edges[0].node.product,
  },
  Interaction: {
    select: (f) => `interactions(first: 1) { edges { node { ${f} } } }`,
    pick: (c) => c.interactions?.edges[0].node,
  },
  PageInfo: { select: (f) => `holdings(first: 1) { pageInfo { ${f} } }`, pick: (c) => c.holdings.pageInfo },
  Branch: { select: (f) => `branch { ${f} }`, pick: (c) => c.branch },
  RelationshipManager: { select: (f) => `relationshipManager { ${f} }`, pick: (c) => c.relationshipManager },
  CustomerTag: { select: (f) => `tags { ${f} }`, pick: (c) => c.tags[0] },
  Tag: { select: (f) => `tags { tag { ${f} } }`, pick: (c) => c.tags[0].tag },
  Consent: { select: (f) => `consents { ${f} }`, pick: (c) => c.consents[0] },
  CampaignEnrollment: { select: (f) => `campaignEnrollments { ${f} }`, pick: (c) => c.campaignEnrollments[0] },
  Campaign: {
    select: (f) => `campaignEnrollments { campaign { ${f} } }`,
    pick: (c) => c.campaignEnrollments[0].campaign,
  },
  CampaignMetrics: {
    select: (f) => `campaignEnrollments { campaign { metrics { ${f} } } }`,
    pick: (c) => c.campaignEnrollments[0].campaign.metrics ?? undefined,
  },
  CampaignTargetCriteria: {
    select: (f) => `campaignEnrollments { campaign { targetCriteria { ${f} } } }`,
    pick: (c) => c.campaignEnrollments[0].campaign.targetCriteria,
  },
};

/** A selection for one field: object-typed fields need a sub-selection. */
function selectionOf(type: GraphQLObjectType, field: string): string {
  const fieldType = getNamedType(type.getFields()[field].type);
  if (!isObjectType(fieldType)) return field;
  return fieldType.name.endsWith('Connection') ? `${field}(first: 1) { totalCount }` : `${field} { __typename }`;
}

const roleOf = (column: Column) => (Object.keys(COLUMN_OF_ROLE) as Role[]).find((r) => COLUMN_OF_ROLE[r] === column)!;

function claimsFor(column: Column): TokenClaims {
  return { sub: rmId, roles: [roleOf(column)], branchId };
}

beforeAll(async () => {
  app = await startTestApp();
  const make = new Factory(app.ds);
  const branch = await make.branch();
  const rm = await make.staff({ branchId: branch.id });
  [rmId, branchId] = [rm.id, branch.id];
  const customer = await make.customer({
    branchId,
    relationshipManagerId: rmId,
    name: '欧阳娜娜',
    idNumber: '44030519900308002X',
    phone: '13912345678',
    email: 'nana@example.com',
    addressProvince: addressParts.province,
    addressCity: addressParts.city,
    addressDistrict: addressParts.district,
    addressStreet: '科技园路1号',
    aum: '123456.78',
  });
  customerId = customer.id;
  await make.holding(customerId, { accountNo: '6222020200112233', balance: '88888.88' });
  await make.interaction(customerId);
  await make.riskAssessment(customerId, { creditGrade: CreditGrade.AA });
  const tag = await make.tag();
  await make.customerTag(customerId, tag.id);
  await make.consent(customerId);
  const campaign = await make.campaign({ createdBy: rmId });
  await make.enrollment(campaign.id, customerId);
});

it('walks every type that has a policy and is reachable from a customer', () => {
  // Not reachable from a customer, and all-F: the audit log (auditors only) and
  // what mutations return (enrollCustomers' result, write receipts).
  const elsewhere = [
    'AuditRecord',
    'AuditedFilter',
    'AuditedFilterArgument',
    'EnrollmentResult',
    'EnrollmentSkipCount',
    'SkippedCustomer',
    'InteractionReceipt',
    'LeadReceipt',
    'CampaignResponseReceipt',
  ];
  expect(Object.keys(PATHS).sort()).toEqual(
    Object.keys(FIELD_POLICY)
      .filter((t) => !elsewhere.includes(t))
      .sort(),
  );
});
afterAll(() => app.close());

describe.each(COLUMNS)('the %s column of the privacy matrix', (column) => {
  it.each(Object.keys(PATHS))('holds for every field of %s', async (typeName) => {
    const schema = await getSchema();
    const type = schema.getType(typeName) as GraphQLObjectType;
    const rules = FIELD_POLICY[typeName];
    const fields = Object.keys(type.getFields());
    const path = PATHS[typeName];
    const query = `query ($id: ID!) { customer(id: $id) { ${path.select(fields.map((f) => selectionOf(type, f)).join(' '))} } }`;

    const full = await app.gql(query, { id: customerId });
    expect(full.errors).toBeUndefined();
    const res = await app.gql(query, { id: customerId }, { as: claimsFor(column) });

    const deniedPaths = (res.errors ?? []).map((e) => {
      expect(e.extensions.code).toBe('FORBIDDEN');
      return e.path!.join('.');
    });
    const fullObject = path.pick(full.data.customer);
    const seen = path.pick(res.data.customer);
    if (seen === undefined) {
      // The whole type sits under a relation this role is denied: that denial is the only error.
      expect(deniedPaths).toHaveLength(1);
      return;
    }
    for (const field of fields) {
      const access = rules[field].access[column];
      const cell = `${typeName}.${field} for ${column}`;
      if (access === 'F') expect({ cell, value: seen[field] }).toEqual({ cell, value: fullObject[field] });
      if (access === 'M') {
        const masked = rules[field].mask!(fullObject[field], { addressParts });
        expect({ cell, value: seen[field] }).toEqual({ cell, value: masked });
        expect(masked).not.toEqual(fullObject[field]);
      }
      if (access === 'D') {
        expect({ cell, value: seen[field] }).toEqual({ cell, value: null });
        expect(deniedPaths.some((p) => p.endsWith(`.${field}`))).toBe(true);
      }
    }
    const deniedCount = fields.filter((f) => rules[f].access[column] === 'D').length;
    expect(deniedPaths).toHaveLength(deniedCount);
  });
});

describe('masks in responses', () => {
  it('use the exact formats of the brief', async () => {
    const res = await app.gql(
      `query ($id: ID!) { customer(id: $id) { name idNumber phone email address holdings { edges { node { accountNo } } } } }`,
      { id: customerId },
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
      { id: customerId },
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
      `{ customer(id: "${customerId}") { id } }`,
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
