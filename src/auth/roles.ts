import { registerEnumType } from 'type-graphql';

/** The roles of PRODUCT.md §2. A token may carry several; they grant the union of their rights. */
export enum Role {
  RELATIONSHIP_MANAGER = 'RELATIONSHIP_MANAGER',
  BRANCH_STAFF = 'BRANCH_STAFF',
  CALL_CENTER_AGENT = 'CALL_CENTER_AGENT',
  MARKETING_ANALYST = 'MARKETING_ANALYST',
  MARKETING_MANAGER = 'MARKETING_MANAGER',
  RISK_OFFICER = 'RISK_OFFICER',
  COMPLIANCE_AUDITOR = 'COMPLIANCE_AUDITOR',
  PARTNER = 'PARTNER',
}

/** What a partner token may write. */
export enum Scope {
  INTERACTIONS_WRITE = 'interactions:write',
  LEADS_WRITE = 'leads:write',
  CAMPAIGNS_RESPOND = 'campaigns:respond',
}

export const ROLES: ReadonlySet<string> = new Set(Object.values(Role));
export const SCOPES: ReadonlySet<string> = new Set(Object.values(Scope));

registerEnumType(Role, { name: 'Role' });
