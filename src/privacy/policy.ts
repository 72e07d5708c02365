import { Role, Scope } from '../auth/roles';
import { maskAccountNo, maskAddress, maskEmail, maskIdNumber, maskName, maskPhone } from './masks';

/**
 * PRODUCT.md §3 as data: the one privacy policy. Every other piece of
 * privacy (the root-level shield rules, the per-object masking pass, the
 * audit of full reads, the filter checks) is generated from this file.
 *
 * Columns are the matrix's: a role reads through its column; a token with
 * several roles reads the most open cell among them. PARTNER has no column:
 * partners read no customer data at all.
 */
export type Column = 'RM' | 'BRANCH' | 'CALL_CENTER' | 'MKT' | 'RISK' | 'AUDITOR';
export const COLUMNS: readonly Column[] = ['RM', 'BRANCH', 'CALL_CENTER', 'MKT', 'RISK', 'AUDITOR'];

export const COLUMN_OF_ROLE: Record<Role, Column | null> = {
  [Role.RELATIONSHIP_MANAGER]: 'RM',
  [Role.BRANCH_STAFF]: 'BRANCH',
  [Role.CALL_CENTER_AGENT]: 'CALL_CENTER',
  [Role.MARKETING_ANALYST]: 'MKT',
  [Role.MARKETING_MANAGER]: 'MKT',
  [Role.RISK_OFFICER]: 'RISK',
  [Role.COMPLIANCE_AUDITOR]: 'AUDITOR',
  [Role.PARTNER]: null,
};

/** F full value, M masked with the field's mask, D denied (null with FORBIDDEN at its path). */
export type Access = 'F' | 'M' | 'D';

/** A mask gets the field's value and the whole object (the address mask needs its parts). */
export type Mask = (value: any, object: any) => unknown;

export interface FieldRule {
  access: Record<Column, Access>;
  mask?: Mask;
  /** A full read of this field leaves an audit record. */
  sensitive?: boolean;
}

/** One row of the matrix, in the order of COLUMNS. */
function row(rm: Access, branch: Access, callCenter: Access, mkt: Access, risk: Access, auditor: Access) {
  return { RM: rm, BRANCH: branch, CALL_CENTER: callCenter, MKT: mkt, RISK: risk, AUDITOR: auditor };
}

const FULL: FieldRule = { access: row('F', 'F', 'F', 'F', 'F', 'F') };
const sensitive = (access: Record<Column, Access>, mask?: Mask): FieldRule => ({ access, mask, sensitive: true });

/** Fields every staff role reads in full. */
const allFull = (...fields: string[]): Record<string, FieldRule> => Object.fromEntries(fields.map((f) => [f, FULL]));

export const FIELD_POLICY: Record<string, Record<string, FieldRule>> = {
  Customer: {
    ...allFull('id', 'customerNo', 'gender', 'ageBand', 'city', 'branch', 'relationshipManager', 'tier'),
    ...allFull('lifecycleStage', 'aumBand', 'kycStatus', 'tags', 'holdings', 'campaignEnrollments', 'riskProfile'),
    ...allFull('consents', 'churnSignals'),
    name: { access: row('F', 'F', 'F', 'M', 'F', 'F'), mask: maskName },
    idNumber: sensitive(row('M', 'M', 'M', 'D', 'F', 'F'), maskIdNumber),
    phone: sensitive(row('F', 'M', 'M', 'D', 'M', 'F'), maskPhone),
    email: sensitive(row('F', 'M', 'M', 'D', 'M', 'F'), (email: string | null) =>
      email === null ? null : maskEmail(email),
    ),
    address: sensitive(row('F', 'M', 'M', 'D', 'M', 'F'), (_address: string, customer) =>
      maskAddress(customer.addressParts),
    ),
    birthDate: sensitive(row('F', 'F', 'F', 'D', 'F', 'F')),
    aum: sensitive(row('F', 'D', 'D', 'D', 'F', 'F')),
    interactions: { access: row('F', 'F', 'F', 'D', 'F', 'F') },
  },
  Holding: {
    ...allFull('id', 'product', 'currency', 'openedAt', 'maturityDate', 'status'),
    accountNo: sensitive(row('M', 'M', 'M', 'D', 'M', 'F'), maskAccountNo),
    balance: sensitive(row('F', 'D', 'D', 'D', 'F', 'F')),
  },
  RiskProfile: {
    ...allFull('riskTolerance', 'assessedAt', 'validUntil'),
    creditGrade: sensitive(row('F', 'D', 'D', 'D', 'F', 'F')),
    amlRating: sensitive(row('D', 'D', 'D', 'D', 'F', 'F')),
  },
  Interaction: allFull('id', 'channel', 'type', 'occurredAt', 'summary', 'outcome'),
  Branch: allFull('id', 'code', 'name', 'city'),
  RelationshipManager: allFull('id', 'name'),
  Tag: allFull('id', 'code', 'name', 'category'),
  CustomerTag: allFull('tag', 'source', 'confidence', 'assignedAt', 'expiresAt'),
  Product: allFull('id', 'code', 'name', 'type', 'riskLevel'),
  Consent: allFull('channel', 'purpose', 'granted', 'updatedAt'),
  CampaignEnrollment: allFull('status', 'channel', 'enrolledAt', 'campaign'),
  Campaign: {
    ...allFull('id', 'code', 'name', 'objective', 'status', 'targetCriteria', 'channels', 'budget', 'startsOn'),
    ...allFull('endsOn', 'createdAt', 'product'),
    metrics: { access: row('D', 'D', 'D', 'F', 'F', 'F') },
  },
  CampaignMetrics: allFull(
    'targeted',
    'contacted',
    'responded',
    'converted',
    'participationRate',
    'conversionRate',
    'revenue',
    'cost',
    'roi',
  ),
  CampaignTargetCriteria: allFull('tiers', 'lifecycleStages', 'tagCodes', 'aumMin', 'aumMax'),
  PageInfo: allFull('hasNextPage', 'endCursor'),
  // Reachable only from enrollCustomers (marketing managers): ids, customer numbers and reasons.
  EnrollmentResult: allFull('runId', 'enrolled', 'skipped', 'skippedCustomers'),
  EnrollmentSkipCount: allFull('reason', 'count'),
  SkippedCustomer: allFull('customerId', 'customerNo', 'reason'),
  // What a write returns to its caller, partners included: ids only.
  InteractionReceipt: allFull('id'),
  LeadReceipt: allFull('id'),
  CampaignResponseReceipt: allFull('status'),
  // Reachable by auditors only (OPERATION_POLICY), who read everything.
  AuditRecord: allFull(
    'id',
    'occurredAt',
    'actorId',
    'actorRoles',
    'customerId',
    'fields',
    'operation',
    'operationName',
    'requestId',
    'filter',
  ),
  AuditedFilter: allFull('arguments', 'matched'),
  AuditedFilterArgument: allFull('name', 'values'),
};

/** Types that only wrap others (connections, edges, the caller's own Me) hold nothing private. */
export function isWrapperType(typeName: string): boolean {
  return typeName.endsWith('Connection') || typeName.endsWith('Edge') || typeName === 'Me';
}

/** Which customers each column sees (PRODUCT.md §2). A token with several roles sees the union. */
export type RowScopeRule = 'OWN_BOOK' | 'OWN_BRANCH' | 'ALL';

export const ROW_SCOPE: Record<Column, RowScopeRule> = {
  RM: 'OWN_BOOK',
  BRANCH: 'OWN_BRANCH',
  CALL_CENTER: 'ALL',
  MKT: 'ALL',
  RISK: 'ALL',
  AUDITOR: 'ALL',
};

/** Who may call each root field. An operation not named here is denied to everyone. */
/** `scope:<name>` admits a PARTNER token that carries that scope. */
export type Callers = 'ANYONE' | 'STAFF' | readonly (Role | `scope:${Scope}`)[];

export const OPERATION_POLICY: { Query: Record<string, Callers>; Mutation: Record<string, Callers> } = {
  Query: {
    me: 'ANYONE',
    customer: 'STAFF',
    customerByNumber: 'STAFF',
    customers: 'STAFF',
    tags: 'STAFF',
    products: 'STAFF',
    campaign: 'STAFF',
    campaigns: 'STAFF',
    auditLog: [Role.COMPLIANCE_AUDITOR],
  },
  Mutation: {
    createCampaign: [Role.MARKETING_MANAGER],
    updateCampaign: [Role.MARKETING_MANAGER],
    submitCampaign: [Role.MARKETING_MANAGER],
    approveCampaign: [Role.MARKETING_MANAGER],
    rejectCampaign: [Role.MARKETING_MANAGER],
    launchCampaign: [Role.MARKETING_MANAGER],
    completeCampaign: [Role.MARKETING_MANAGER],
    cancelCampaign: [Role.MARKETING_MANAGER],
    enrollCustomers: [Role.MARKETING_MANAGER],
    assignTag: [Role.RELATIONSHIP_MANAGER, Role.BRANCH_STAFF, Role.MARKETING_MANAGER],
    removeTag: [Role.RELATIONSHIP_MANAGER, Role.BRANCH_STAFF, Role.MARKETING_MANAGER],
    updateConsent: [Role.RELATIONSHIP_MANAGER, Role.BRANCH_STAFF, Role.CALL_CENTER_AGENT],
    registerLead: [Role.RELATIONSHIP_MANAGER, Role.BRANCH_STAFF, Role.CALL_CENTER_AGENT, `scope:${Scope.LEADS_WRITE}`],
    recordCampaignResponse: [
      Role.RELATIONSHIP_MANAGER,
      Role.BRANCH_STAFF,
      Role.CALL_CENTER_AGENT,
      `scope:${Scope.CAMPAIGNS_RESPOND}`,
    ],
    recordInteraction: [
      Role.RELATIONSHIP_MANAGER,
      Role.BRANCH_STAFF,
      Role.CALL_CENTER_AGENT,
      `scope:${Scope.INTERACTIONS_WRITE}`,
    ],
  },
};
