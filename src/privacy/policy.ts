import { Role, Scope } from '../auth/roles';
import type { MaskName } from './masks';

/**
 * PRODUCT.md §3 as data: the one privacy policy. It is only data (cells per
 * role column, type and field; masks by name; row scopes), so that another
 * policy can be loaded beside the live one (a test that changes cells, a
 * candidate policy in shadow). `PrivacyPolicy` (privacy-policy.ts) compiles
 * it; every enforcement point asks that object.
 *
 * Columns are the matrix's: a role reads through its column; a token with
 * several roles reads the most open cell among them. The PARTNER column is
 * denied everything but what a partner's own writes return (ids, statuses).
 */
export type RoleColumn = 'RM' | 'BRANCH' | 'CALL_CENTER' | 'MKT' | 'RISK' | 'AUDITOR' | 'PARTNER';
/** The staff columns: PRODUCT.md §3's matrix. */
export const COLUMNS: readonly RoleColumn[] = ['RM', 'BRANCH', 'CALL_CENTER', 'MKT', 'RISK', 'AUDITOR'];
/**
 * With partners, who read no customer data (shield refuses them every query
 * that reads it) and see only what their own mutations return.
 */
export const ALL_COLUMNS: readonly RoleColumn[] = [...COLUMNS, 'PARTNER'];

export const COLUMN_OF_ROLE: Record<Role, RoleColumn> = {
  [Role.RELATIONSHIP_MANAGER]: 'RM',
  [Role.BRANCH_STAFF]: 'BRANCH',
  [Role.CALL_CENTER_AGENT]: 'CALL_CENTER',
  [Role.MARKETING_ANALYST]: 'MKT',
  [Role.MARKETING_MANAGER]: 'MKT',
  [Role.RISK_OFFICER]: 'RISK',
  [Role.COMPLIANCE_AUDITOR]: 'AUDITOR',
  [Role.PARTNER]: 'PARTNER',
};

/** F full value, M masked with the field's mask, D denied (null with FORBIDDEN at its path). */
export type Access = 'F' | 'M' | 'D';

/**
 * Why someone asks to see a masked value in full (revealField). A fixed list,
 * so that auditors can count and compare reveals by purpose; the free-text
 * note says the rest.
 */
export enum RevealReason {
  /** The customer asked, in the conversation (confirming the number on file, sending a document). */
  CUSTOMER_REQUEST = 'CUSTOMER_REQUEST',
  /** A suspected fraud or account takeover is being investigated. */
  FRAUD_CHECK = 'FRAUD_CHECK',
  /** A complaint is being handled and needs the value to be settled. */
  COMPLAINT = 'COMPLAINT',
}

export interface FieldRule {
  access: Record<RoleColumn, Access>;
  /** The mask (masks.ts MASKS) applied where the cell is M. */
  mask?: MaskName;
  /** A full read of this field leaves an audit record. */
  sensitive?: boolean;
  /**
   * Break-glass (revealField): the columns that may ask for the full value of
   * this field, one value at a time, for one of the reasons listed, audited
   * and within a daily quota. Only on an M cell: a column that reads the
   * field in full has nothing to reveal, and a denied one has no purpose for
   * the value at all (reveal-cells.ts refuses a policy that says otherwise).
   */
  reveal?: Partial<Record<RoleColumn, readonly RevealReason[]>>;
}

export type FieldPolicy = Record<string, Record<string, FieldRule>>;

/** One row of the matrix, in the order of ALL_COLUMNS; partners are denied unless a row says otherwise. */
function row(
  rm: Access,
  branch: Access,
  callCenter: Access,
  mkt: Access,
  risk: Access,
  auditor: Access,
  partner: Access = 'D',
): Record<RoleColumn, Access> {
  return { RM: rm, BRANCH: branch, CALL_CENTER: callCenter, MKT: mkt, RISK: risk, AUDITOR: auditor, PARTNER: partner };
}

const FULL: FieldRule = { access: row('F', 'F', 'F', 'F', 'F', 'F') };
/** What a write returns to whoever made it, partners included. */
const RECEIPT: FieldRule = { access: row('F', 'F', 'F', 'F', 'F', 'F', 'F') };
const sensitive = (access: Record<RoleColumn, Access>, mask?: MaskName): FieldRule => ({
  access,
  mask,
  sensitive: true,
});

/** Fields every staff role reads in full. */
const allFull = (...fields: string[]): Record<string, FieldRule> => Object.fromEntries(fields.map((f) => [f, FULL]));

/**
 * Who may reveal what (PRODUCT.md §2's purposes), on the masked cells only:
 * - Service roles reveal contact data on the customer's own request or to
 *   settle a complaint (calling back on the number the customer gives as
 *   theirs, posting a document to their address). The call centre does not
 *   reveal ID numbers: it identifies a caller by asking for the number, never
 *   by reading it out; branch staff and managers do, with the customer (and
 *   their ID card) in front of them.
 * - Risk officers reveal contact data and account numbers for a fraud check
 *   only (ID numbers they already read in full).
 * - Marketing never: its cells are D, and no marketing purpose needs a value.
 * - Auditors read everything in full and have nothing to reveal.
 */
const SERVICE_REASONS = [RevealReason.CUSTOMER_REQUEST, RevealReason.COMPLAINT] as const;
const FRAUD_ONLY = [RevealReason.FRAUD_CHECK] as const;
const CONTACT_REVEAL: FieldRule['reveal'] = { BRANCH: SERVICE_REASONS, CALL_CENTER: SERVICE_REASONS, RISK: FRAUD_ONLY };

export const FIELD_POLICY: FieldPolicy = {
  Customer: {
    ...allFull('id', 'customerNo', 'gender', 'ageBand', 'city', 'branch', 'relationshipManager', 'tier'),
    ...allFull('lifecycleStage', 'aumBand', 'kycStatus', 'tags', 'holdings', 'campaignEnrollments', 'riskProfile'),
    ...allFull('consents', 'churnSignals'),
    name: { access: row('F', 'F', 'F', 'M', 'F', 'F'), mask: 'name' },
    idNumber: {
      ...sensitive(row('M', 'M', 'M', 'D', 'F', 'F'), 'idNumber'),
      reveal: { RM: [RevealReason.CUSTOMER_REQUEST], BRANCH: [RevealReason.CUSTOMER_REQUEST] },
    },
    phone: { ...sensitive(row('F', 'M', 'M', 'D', 'M', 'F'), 'phone'), reveal: CONTACT_REVEAL },
    email: { ...sensitive(row('F', 'M', 'M', 'D', 'M', 'F'), 'email'), reveal: CONTACT_REVEAL },
    address: { ...sensitive(row('F', 'M', 'M', 'D', 'M', 'F'), 'address'), reveal: CONTACT_REVEAL },
    birthDate: sensitive(row('F', 'F', 'F', 'D', 'F', 'F')),
    aum: sensitive(row('F', 'D', 'D', 'D', 'F', 'F')),
    interactions: { access: row('F', 'F', 'F', 'D', 'F', 'F') },
    // For the conversation before product talk (service roles) and for control; marketing has no such purpose.
    riskWarnings: { access: row('F', 'F', 'F', 'D', 'F', 'F') },
    // Counts of the customer's campaign contacts, for whoever plans or makes one (service and marketing
    // purposes) and the auditors who check the caps; a risk officer contacts no one.
    contactAllowance: { access: row('F', 'F', 'F', 'F', 'D', 'F') },
  },
  Holding: {
    ...allFull('id', 'product', 'currency', 'openedAt', 'maturityDate', 'status'),
    accountNo: {
      ...sensitive(row('M', 'M', 'M', 'D', 'M', 'F'), 'accountNo'),
      reveal: { RM: SERVICE_REASONS, ...CONTACT_REVEAL },
    },
    balance: sensitive(row('F', 'D', 'D', 'D', 'F', 'F')),
  },
  RiskProfile: {
    ...allFull('riskTolerance', 'assessedAt', 'validUntil'),
    creditGrade: sensitive(row('F', 'D', 'D', 'D', 'F', 'F')),
    amlRating: sensitive(row('D', 'D', 'D', 'D', 'F', 'F')),
  },
  Interaction: allFull('id', 'channel', 'type', 'occurredAt', 'summary', 'outcome', 'complianceFlags'),
  Branch: allFull('id', 'code', 'name', 'city'),
  RelationshipManager: allFull('id', 'name'),
  Tag: allFull('id', 'code', 'name', 'category'),
  CustomerTag: allFull('tag', 'source', 'confidence', 'assignedAt', 'expiresAt'),
  Product: allFull('id', 'code', 'name', 'type', 'riskLevel'),
  Consent: allFull('channel', 'purpose', 'granted', 'updatedAt'),
  CampaignEnrollment: allFull('status', 'channel', 'enrolledAt', 'campaign'),
  Campaign: {
    ...allFull('id', 'code', 'name', 'objective', 'status', 'targetCriteria', 'channels', 'budget', 'startsOn'),
    ...allFull('endsOn', 'createdAt', 'product', 'messages', 'riskDisclosure', 'approvedBy', 'rejectedBy'),
    ...allFull('rejectionReason'),
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
    'costPerConversion',
    'byChannel',
  ),
  // Reached only through Campaign.metrics, whose cell decides who reads it.
  CampaignChannelMetrics: allFull(
    'channel',
    'targeted',
    'contacted',
    'responded',
    'converted',
    'cost',
    'costPerConversion',
  ),
  // Reachable from recordCampaignCost only (OPERATION_POLICY: marketing managers); the note is about spending, not
  // about a customer.
  CampaignCost: allFull('id', 'channel', 'amount', 'note', 'recordedAt', 'campaign'),
  CampaignMessage: allFull('channel', 'text'),
  CampaignTargetCriteria: allFull('tiers', 'lifecycleStages', 'tagCodes', 'aumMin', 'aumMax'),
  PageInfo: allFull('hasNextPage', 'endCursor'),
  // Reachable from enrollCustomers and enrollmentRun only (OPERATION_POLICY): ids, customer numbers, reasons,
  // counts. Opted-out customers are counted, never listed to marketing roles (EnrollmentService.skippedCustomers).
  EnrollmentRun: {
    ...allFull('id', 'runId', 'campaignId', 'status', 'progress', 'enrolled', 'skipped', 'skippedCustomers'),
    ...allFull('failureReason', 'startedAt', 'finishedAt'),
  },
  EnrollmentRunProgress: allFull('done', 'total'),
  EnrollmentSkipCount: allFull('reason', 'count'),
  SkippedCustomer: allFull('customerId', 'customerNo', 'reason'),
  // What a write returns to its caller, partners included: ids only.
  InteractionReceipt: { id: RECEIPT },
  LeadReceipt: { id: RECEIPT },
  CampaignResponseReceipt: { status: RECEIPT },
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
    'reveal',
    'refusals',
  ),
  // What an audit record says of a reveal, granted or refused (auditors only, through AuditRecord.reveal).
  AuditedReveal: allFull('field', 'holdingId', 'reason', 'note', 'ticket', 'outcome'),
  // What revealField returns. The reveal cells above decided whether it is answered at all (RevealService);
  // the value is the caller's, once, so nothing in it is masked again.
  RevealedValue: allFull('field', 'value', 'customerId', 'holdingId', 'auditRecordId', 'remainingToday', 'resetsAt'),
  // Contact compliance (issue 15, item 5). contactCheck's verdict goes to the roles that may record the contact
  // (OPERATION_POLICY), for customers in their scope; the exception list is reachable by auditors only.
  ContactCheck: allFull('allowed', 'reasons'),
  ContactAllowance: allFull('remainingToday', 'remainingThisMonth', 'resetsAt'),
  InteractionException: allFull(
    'interaction',
    'customerId',
    'campaignId',
    'complianceFlags',
    'recordedBy',
    'recordedByPartner',
    'recordedAt',
  ),
  // Retention tasks (issue 19, item 2): myTasks and completeTask answer only tasks the caller works on (their own,
  // or their branch's); the customer behind one is read under that customer's own plan, like any customer.
  RetentionTask: allFull(
    'id',
    'status',
    'signals',
    'tier',
    'openedAt',
    'signalsClearedAt',
    'dueOn',
    'outcome',
    'reason',
    'note',
    'completedAt',
    'completedBy',
    'customer',
    'assignee',
    'branch',
  ),
  // Leads (issue 19, item 3): leads and updateLead answer only leads the caller works on (OPERATION_POLICY and
  // LeadService). A prospect's name and phone are read like a customer's (PRODUCT.md §3), by the caller's columns;
  // the linked customer is read under that customer's own plan.
  Lead: {
    ...allFull('id', 'city', 'productInterest', 'sourceChannel', 'intent', 'status', 'overdue', 'createdAt'),
    ...allFull('contactedAt', 'updatedAt', 'customer', 'assignee', 'branch'),
    name: { access: row('F', 'F', 'F', 'M', 'F', 'F'), mask: 'name' },
    phone: { access: row('F', 'M', 'M', 'D', 'M', 'F'), mask: 'phone' },
  },
  // Counts only, no customer: reachable through churnReport (OPERATION_POLICY: marketing, risk, audit roles).
  ChurnReport: allFull(
    'from',
    'to',
    'episodes',
    'episodesEnded',
    'openTasks',
    'completedTasks',
    'byTier',
    'bySignal',
    'byOutcome',
    'byReason',
  ),
  ChurnTierCount: allFull('tier', 'count'),
  ChurnSignalCount: allFull('signal', 'count'),
  ChurnOutcomeCount: allFull('outcome', 'count'),
  ChurnReasonCount: allFull('reason', 'count'),
  // What an audit record says of a filter that read a sensitive field (auditors only, through AuditRecord.filter).
  AuditedFilter: allFull('arguments', 'matched'),
  AuditedFilterArgument: allFull('name', 'values'),
  // Shadow mode's counts (issue 20, part 2): reachable through policyShadowReport only (OPERATION_POLICY: auditors).
  // They name types, fields and roles, never a customer.
  PolicyShadowReport: allFull('enabled', 'candidateFile', 'candidateSha256', 'since', 'rows'),
  PolicyShadowRow: allFull('type', 'field', 'role', 'liveAccess', 'candidateAccess', 'count'),
  // Data-subject rights (issue 20, item 6), auditors only (OPERATION_POLICY). The export's document is read field by
  // field under the rows above (privacy/document-view.ts); these rows cover only its envelope and an erasure's counts.
  DataSubjectExport: allFull(
    'customerId',
    'generatedAt',
    'erasedAt',
    'heldUntil',
    'document',
    'withheld',
    'exemptions',
  ),
  ErasureReceipt: allFull('customerId', 'reason', 'erasedAt', 'heldUntil', 'held', 'removed', 'alreadyErased'),
  ErasedRecordCount: allFull('kind', 'count'),
  // What an audit record says a request was refused (auditors only, through AuditRecord.refusals).
  AuditedRefusals: allFull('fields', 'filters', 'operations'),
};

/** Types that only wrap others (connections, edges, the caller's own Me) hold nothing private. */
export function isWrapperType(typeName: string): boolean {
  return typeName.endsWith('Connection') || typeName.endsWith('Edge') || typeName === 'Me';
}

/** Which customers each column sees (PRODUCT.md §2). A token with several roles sees the union. */
/**
 * ALL_BUT_OPTED_OUT: every customer but those who explicitly withdrew
 * personalised marketing (PRODUCT.md §2: processing bound to its purpose).
 */
export type RowScopeRule = 'OWN_BOOK' | 'OWN_BRANCH' | 'ALL' | 'ALL_BUT_OPTED_OUT' | 'NONE';

export const ROW_SCOPE: Record<RoleColumn, RowScopeRule> = {
  RM: 'OWN_BOOK',
  BRANCH: 'OWN_BRANCH',
  CALL_CENTER: 'ALL',
  MKT: 'ALL_BUT_OPTED_OUT',
  RISK: 'ALL',
  AUDITOR: 'ALL',
  PARTNER: 'NONE',
};

/**
 * Small-cohort suppression (issue 20): how each column reads an aggregate over
 * customers (a count, a sum, or a rate or ratio computed from them). SMALL_COHORTS_SUPPRESSED:
 * an aggregate over fewer than K_ANONYMITY_MIN customers is withheld (cohort-suppression.ts).
 * - MKT: pseudonymised (PRODUCT.md §3), so a count is the one way it could
 *   single someone out ("the 2 customers of branch X tagged Y"), combined
 *   with what else it knows.
 * - RM, BRANCH, CALL_CENTER: exact. Their purpose is service to identified
 *   customers: they read every customer of their scope by name, so a
 *   withheld count would hide nothing they cannot count by listing.
 * - RISK, AUDITOR: exact; control needs the true figures, and reads every row in full anyway.
 * - PARTNER: reaches no aggregate; suppressed should one ever be reachable.
 */
export type AggregateRule = 'EXACT' | 'SMALL_COHORTS_SUPPRESSED';

export const AGGREGATES: Record<RoleColumn, AggregateRule> = {
  RM: 'EXACT',
  BRANCH: 'EXACT',
  CALL_CENTER: 'EXACT',
  MKT: 'SMALL_COHORTS_SUPPRESSED',
  RISK: 'EXACT',
  AUDITOR: 'EXACT',
  PARTNER: 'SMALL_COHORTS_SUPPRESSED',
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
    contactCheck: [Role.RELATIONSHIP_MANAGER, Role.BRANCH_STAFF, Role.CALL_CENTER_AGENT],
    contactExceptions: [Role.COMPLIANCE_AUDITOR],
    // Who starts runs, and who may read campaign metrics besides marketing (PRODUCT.md §3): risk and audit.
    enrollmentRun: [Role.MARKETING_MANAGER, Role.RISK_OFFICER, Role.COMPLIANCE_AUDITOR],
    myTasks: [Role.RELATIONSHIP_MANAGER, Role.BRANCH_STAFF],
    // Follow-up is service work; auditors check it. Marketing, risk and the call centre (which registers leads but
    // does not work them) have no purpose here.
    leads: [Role.RELATIONSHIP_MANAGER, Role.BRANCH_STAFF, Role.COMPLIANCE_AUDITOR],
    churnReport: [Role.MARKETING_ANALYST, Role.MARKETING_MANAGER, Role.RISK_OFFICER, Role.COMPLIANCE_AUDITOR],
    // What a candidate policy would change, before it is rolled out: for those who check the policy.
    policyShadowReport: [Role.COMPLIANCE_AUDITOR],
    // PIPL Arts 45 and 47: the bank's control function answers data-subject requests (no DPO role exists yet).
    dataSubjectExport: [Role.COMPLIANCE_AUDITOR],
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
    recordCampaignCost: [Role.MARKETING_MANAGER],
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
    completeTask: [Role.RELATIONSHIP_MANAGER, Role.BRANCH_STAFF],
    updateLead: [Role.RELATIONSHIP_MANAGER, Role.BRANCH_STAFF],
    // Every staff role reaches the service, which asks the field's reveal cells: a role they do not name is
    // refused there, with an audit record of the refusal (a shield refusal would leave none).
    revealField: 'STAFF',
    eraseCustomer: [Role.COMPLIANCE_AUDITOR],
  },
};

/**
 * What a privacy policy is made of: field cells, row scopes, who may call each
 * root field and how each column reads aggregates, all data.
 */
export interface PolicyData {
  fields: FieldPolicy;
  rowScope: Record<RoleColumn, RowScopeRule>;
  operations: typeof OPERATION_POLICY;
  aggregates: Record<RoleColumn, AggregateRule>;
}

/** The policy in force (PRODUCT.md §2–§4). */
export const LIVE_POLICY_DATA: PolicyData = {
  fields: FIELD_POLICY,
  rowScope: ROW_SCOPE,
  operations: OPERATION_POLICY,
  aggregates: AGGREGATES,
};
