import { getNamedType, GraphQLObjectType, GraphQLSchema, isNonNullType, isObjectType } from 'graphql';
import { Role } from '../../src/auth/roles';
import { TokenClaims } from '../../src/auth/token-issuer';
import { Channel } from '../../src/modules/interaction/interaction.enums';
import { CreditGrade } from '../../src/modules/risk/risk.enums';
import { MASKS } from '../../src/privacy/masks';
import { RoleColumn, COLUMN_OF_ROLE, FieldPolicy } from '../../src/privacy/policy';
import { Factory } from './factories';
import { TestApp } from './test-app';

/**
 * Walks the privacy policy through real responses: for a role column and a
 * type, selects every field of the type where a client reaches it and
 * asserts that each holds what the given policy says, the full value, the
 * exact mask, or null with FORBIDDEN at its path. The matrix test walks the
 * live policy; the policy-mutation test walks policies changed cell by cell,
 * which proves that responses follow the policy rather than happen to match it.
 */

export const ADDRESS_PARTS = { province: '广东省', city: '深圳市', district: '南山区' };

export interface PolicyWorld {
  customerId: string;
  rmId: string;
  branchId: string;
  /** A campaign the customer is enrolled in. */
  campaignId: string;
}

/** One customer with one of everything, in the book of a relationship manager of its branch. */
export async function buildPolicyWorld(app: TestApp, make = new Factory(app.ds)): Promise<PolicyWorld> {
  const branch = await make.branch();
  const rm = await make.staff({ branchId: branch.id });
  const customer = await make.customer({
    branchId: branch.id,
    relationshipManagerId: rm.id,
    name: '欧阳娜娜',
    idNumber: '44030519900308002X',
    phone: '13912345678',
    email: 'nana@example.com',
    addressProvince: ADDRESS_PARTS.province,
    addressCity: ADDRESS_PARTS.city,
    addressDistrict: ADDRESS_PARTS.district,
    addressStreet: '科技园路1号',
    aum: '123456.78',
  });
  await make.holding(customer.id, { accountNo: '6222020200112233', balance: '88888.88' });
  await make.interaction(customer.id);
  await make.riskAssessment(customer.id, { creditGrade: CreditGrade.AA });
  const tag = await make.tag();
  await make.customerTag(customer.id, tag.id);
  await make.consent(customer.id);
  // Every descriptive field filled, so that the walk compares values rather than nulls.
  const campaign = await make.campaign({
    createdBy: rm.id,
    messages: [{ channel: Channel.MOBILE_APP, text: '本产品不保证收益' }],
    riskDisclosure: '理财非存款，产品有风险，投资须谨慎',
    approvedBy: (await make.staff()).id,
    rejectedBy: (await make.staff()).id,
    rejectionReason: '补充风险提示',
  });
  await make.enrollment(campaign.id, customer.id);
  return { customerId: customer.id, rmId: rm.id, branchId: branch.id, campaignId: campaign.id };
}

/**
 * How each type is reached from a customer. `pick` answers undefined when a
 * denied parent (a marketing role's interactions) hides the whole type.
 */
export const CUSTOMER_PATHS: Record<string, { select: (fields: string) => string; pick: (customer: any) => any }> = {
  Customer: { select: (f) => f, pick: (c) => c },
  Holding: { select: (f) => `holdings(first: 1) { edges { node { ${f} } } }`, pick: (c) => c?.holdings?.edges[0].node },
  RiskProfile: { select: (f) => `riskProfile { ${f} }`, pick: (c) => c?.riskProfile },
  Product: {
    select: (f) => `holdings(first: 1) { edges { node { product { ${f} } } } }`,
    pick: (c) => c?.holdings?.edges[0].node?.product,
  },
  Interaction: {
    select: (f) => `interactions(first: 1) { edges { node { ${f} } } }`,
    pick: (c) => c?.interactions?.edges[0].node,
  },
  PageInfo: { select: (f) => `holdings(first: 1) { pageInfo { ${f} } }`, pick: (c) => c?.holdings?.pageInfo },
  Branch: { select: (f) => `branch { ${f} }`, pick: (c) => c?.branch },
  RelationshipManager: { select: (f) => `relationshipManager { ${f} }`, pick: (c) => c?.relationshipManager },
  CustomerTag: { select: (f) => `tags { ${f} }`, pick: (c) => c?.tags?.[0] },
  Tag: { select: (f) => `tags { tag { ${f} } }`, pick: (c) => c?.tags?.[0]?.tag },
  Consent: { select: (f) => `consents { ${f} }`, pick: (c) => c?.consents?.[0] },
  ContactAllowance: { select: (f) => `contactAllowance { ${f} }`, pick: (c) => c?.contactAllowance },
  CampaignEnrollment: { select: (f) => `campaignEnrollments { ${f} }`, pick: (c) => c?.campaignEnrollments?.[0] },
  Campaign: {
    select: (f) => `campaignEnrollments { campaign { ${f} } }`,
    pick: (c) => c?.campaignEnrollments?.[0]?.campaign,
  },
  CampaignMetrics: {
    select: (f) => `campaignEnrollments { campaign { metrics { ${f} } } }`,
    pick: (c) => c?.campaignEnrollments?.[0]?.campaign?.metrics ?? undefined,
  },
  CampaignChannelMetrics: {
    select: (f) => `campaignEnrollments { campaign { metrics { byChannel { ${f} } } } }`,
    pick: (c) => c?.campaignEnrollments?.[0]?.campaign?.metrics?.byChannel?.[0] ?? undefined,
  },
  CampaignMessage: {
    select: (f) => `campaignEnrollments { campaign { messages { ${f} } } }`,
    pick: (c) => c?.campaignEnrollments?.[0]?.campaign?.messages?.[0],
  },
  CampaignTargetCriteria: {
    select: (f) => `campaignEnrollments { campaign { targetCriteria { ${f} } } }`,
    pick: (c) => c?.campaignEnrollments?.[0]?.campaign?.targetCriteria,
  },
};

/** A selection for one field: object-typed fields need a sub-selection. */
export function selectionOf(type: GraphQLObjectType, field: string): string {
  const fieldType = getNamedType(type.getFields()[field].type);
  if (!isObjectType(fieldType)) return field;
  return fieldType.name.endsWith('Connection') ? `${field}(first: 1) { totalCount }` : `${field} { __typename }`;
}

export const roleOf = (column: RoleColumn) =>
  (Object.keys(COLUMN_OF_ROLE) as Role[]).find((r) => COLUMN_OF_ROLE[r] === column)!;

/** The column's role, as the relationship manager of the world's customer (so that RM and BRANCH cover it). */
export function claimsFor(world: PolicyWorld, column: RoleColumn): TokenClaims {
  return { sub: world.rmId, roles: [roleOf(column)], branchId: world.branchId };
}

export function isNonNullField(schema: GraphQLSchema, typeName: string, field: string): boolean {
  return isNonNullType((schema.getType(typeName) as GraphQLObjectType).getFields()[field].type);
}

/**
 * How a walk reaches the world's customer: `customer(id)`, or the first of a
 * page of its branch (where it is the first customer), which direct reads
 * answer (server/direct-reads.ts) for the types they cover.
 */
export type Route = 'customer' | 'page';

/**
 * The types whose every field a direct read projects: their walks through
 * `customer(id)` are direct reads wherever the policy lets one be, and they
 * are walked by page too. Customer itself is walked whole (its derived fields
 * go through the executor) and through the fields direct reads project
 * (DIRECT_CUSTOMER_FIELDS).
 */
export const DIRECT_READ_TYPES = [
  'CustomerTag',
  'Tag',
  'Product',
  'PageInfo',
  'Holding',
  'Interaction',
  'RiskProfile',
  'Branch',
  'RelationshipManager',
  'CampaignEnrollment',
];

/**
 * The 360° read of one type's fields as the column's role, checked against
 * `fields` (the policy the server is answering under) and against `full`
 * (the same fields read by an auditor under the live policy, where every
 * cell is F). Returns what did not follow, as readable lines; empty when all did.
 */
export async function typeFollowsPolicy(
  app: TestApp,
  schema: GraphQLSchema,
  world: PolicyWorld,
  fields: FieldPolicy,
  column: RoleColumn,
  typeName: string,
  full: any,
  only?: readonly string[],
  route: Route = 'customer',
): Promise<string[]> {
  const type = schema.getType(typeName) as GraphQLObjectType;
  const names = only ?? Object.keys(type.getFields());
  const res = await app.gql(
    customerQuery(type, typeName, names, route),
    route === 'customer' ? { id: world.customerId } : { branchIds: [world.branchId] },
    { as: claimsFor(world, column) },
  );
  const problems: string[] = [];
  const deniedPaths = (res.errors ?? []).map((e) => {
    if (e.extensions.code !== 'FORBIDDEN') problems.push(`${typeName}: unexpected ${e.extensions.code} at ${e.path}`);
    return (e.path ?? []).join('.');
  });
  const path = CUSTOMER_PATHS[typeName];
  const fullObject = path.pick(full);
  const seen = path.pick(route === 'customer' ? res.data?.customer : res.data?.customers?.edges[0]?.node);
  if (seen === undefined || seen === null) {
    // Hidden whole: by a relation this column is denied above it, or (a non-null field denied) by null bubbling up.
    const deniedNonNull = names.filter(
      (f) => fields[typeName]?.[f]?.access[column] === 'D' && isNonNullField(schema, typeName, f),
    );
    const deniedAbove = deniedPaths.length > 0 && !deniedPaths.some((p) => names.some((f) => p.endsWith(`.${f}`)));
    for (const f of deniedNonNull) {
      if (!deniedPaths.some((p) => p.endsWith(`.${f}`)))
        problems.push(`${typeName}.${f} for ${column}: denied, but no FORBIDDEN at its path`);
    }
    if (!deniedAbove && deniedNonNull.length === 0)
      problems.push(`${typeName} for ${column}: missing from the response`);
    return problems;
  }
  for (const field of names) {
    const rule = fields[typeName]?.[field];
    const access = rule?.access[column] ?? 'D';
    const cell = `${typeName}.${field} for ${column}`;
    const value = JSON.stringify(seen[field]);
    if (access === 'F' && value !== JSON.stringify(fullObject[field])) problems.push(`${cell}: F, but read ${value}`);
    if (access === 'M') {
      const masked = rule?.mask ? MASKS[rule.mask](fullObject[field], { addressParts: ADDRESS_PARTS }) : null;
      if (value !== JSON.stringify(masked))
        problems.push(`${cell}: M, but read ${value}, not ${JSON.stringify(masked)}`);
    }
    if (access === 'D') {
      if (seen[field] !== null) problems.push(`${cell}: D, but read ${value}`);
      if (!deniedPaths.some((p) => p.endsWith(`.${field}`))) problems.push(`${cell}: D, but no FORBIDDEN at its path`);
    }
  }
  const deniedCount = names.filter((f) => (fields[typeName]?.[f]?.access[column] ?? 'D') === 'D').length;
  if (deniedPaths.length !== deniedCount) {
    problems.push(`${typeName} for ${column}: ${deniedPaths.length} FORBIDDEN paths, ${deniedCount} denied fields`);
  }
  return problems;
}

export function customerQuery(
  type: GraphQLObjectType,
  typeName: string,
  names: readonly string[],
  route: Route = 'customer',
): string {
  const selection = CUSTOMER_PATHS[typeName].select(names.map((f) => selectionOf(type, f)).join(' '));
  if (route === 'customer') return `query ($id: ID!) { customer(id: $id) { ${selection} } }`;
  return `query ($branchIds: [ID!]) { customers(first: 1, filter: { branchIds: $branchIds }) {
    edges { node { ${selection} } } } }`;
}

/** Every field of a type read by an auditor under the live policy (every AUDITOR cell is F). */
export async function fullRead(app: TestApp, schema: GraphQLSchema, world: PolicyWorld, typeName: string) {
  const type = schema.getType(typeName) as GraphQLObjectType;
  const res = await app.gql(customerQuery(type, typeName, Object.keys(type.getFields())), { id: world.customerId });
  if (res.errors) throw new Error(`the auditor's read of ${typeName} failed: ${JSON.stringify(res.errors)}`);
  return res.data.customer;
}

/** Types that only mutations return (and, for enrolment runs, Query.enrollmentRun): reached by running the mutation (policy-mutation test). */
export const MUTATION_RESULT_TYPES = [
  'EnrollmentRun',
  'EnrollmentRunProgress',
  'EnrollmentSkipCount',
  'SkippedCustomer',
  'InteractionReceipt',
  'LeadReceipt',
  'CampaignResponseReceipt',
  'CampaignCost',
  'RevealedValue',
];

/** The relation fields on the way from a customer to each type: a test that changes a type's cells opens these too. */
export const PATH_RELATIONS: Record<string, [string, string][]> = {
  Customer: [],
  Holding: [['Customer', 'holdings']],
  RiskProfile: [['Customer', 'riskProfile']],
  Product: [
    ['Customer', 'holdings'],
    ['Holding', 'product'],
  ],
  Interaction: [['Customer', 'interactions']],
  PageInfo: [['Customer', 'holdings']],
  Branch: [['Customer', 'branch']],
  RelationshipManager: [['Customer', 'relationshipManager']],
  CustomerTag: [['Customer', 'tags']],
  Tag: [
    ['Customer', 'tags'],
    ['CustomerTag', 'tag'],
  ],
  Consent: [['Customer', 'consents']],
  ContactAllowance: [['Customer', 'contactAllowance']],
  CampaignEnrollment: [['Customer', 'campaignEnrollments']],
  Campaign: [
    ['Customer', 'campaignEnrollments'],
    ['CampaignEnrollment', 'campaign'],
  ],
  CampaignMetrics: [
    ['Customer', 'campaignEnrollments'],
    ['CampaignEnrollment', 'campaign'],
    ['Campaign', 'metrics'],
  ],
  CampaignChannelMetrics: [
    ['Customer', 'campaignEnrollments'],
    ['CampaignEnrollment', 'campaign'],
    ['Campaign', 'metrics'],
    ['CampaignMetrics', 'byChannel'],
  ],
  CampaignMessage: [
    ['Customer', 'campaignEnrollments'],
    ['CampaignEnrollment', 'campaign'],
    ['Campaign', 'messages'],
  ],
  CampaignTargetCriteria: [
    ['Customer', 'campaignEnrollments'],
    ['CampaignEnrollment', 'campaign'],
    ['Campaign', 'targetCriteria'],
  ],
};

/** Retention tasks (myTasks, completeTask) and the churn report: reached from their own root fields. */
export const RETENTION_TYPES = [
  'RetentionTask',
  'ChurnReport',
  'ChurnTierCount',
  'ChurnSignalCount',
  'ChurnOutcomeCount',
  'ChurnReasonCount',
];

/** Types no customer leads to: the policy-mutation test reaches each from its own root field or mutation. */
export const NOT_UNDER_A_CUSTOMER = [
  'AuditRecord',
  'AuditedFilter',
  'AuditedFilterArgument',
  // Reached through AuditRecord.reveal, on a revealField record (auditors).
  'AuditedReveal',
  'AuditedRefusals',
  'ContactCheck',
  'InteractionException',
  ...RETENTION_TYPES,
  // Reached through Query.leads (relationship managers, branch staff, auditors).
  'Lead',
  // Reached through Query.policyShadowReport (auditors), on a server in shadow mode.
  'PolicyShadowReport',
  'PolicyShadowRow',
  // Data-subject rights (auditors): the export's envelope and an erasure's receipt.
  'DataSubjectExport',
  'ErasureReceipt',
  'ErasedRecordCount',
  ...MUTATION_RESULT_TYPES,
];
