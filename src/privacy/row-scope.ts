import { isUUID } from 'class-validator';
import type { Principal } from '../auth/principal';
import { COLUMN_OF_ROLE } from './policy';
import type { RequestPrivacy } from './request-privacy';

/**
 * The customers a caller may see: all of them, or those of some managers'
 * books and some branches, and (a marketing role) everyone but those who
 * explicitly withdrew personalised marketing.
 */
export type RowScope =
  { all: true } | { all: false; managerIds: string[]; branchIds: string[]; allButOptedOut: boolean };

export function rowScopeFor(principal: Principal, privacy: Pick<RequestPrivacy, 'columns' | 'policy'>): RowScope {
  const rules = privacy.columns.map((c) => privacy.policy.rowScope(c));
  if (rules.includes('ALL')) return { all: true };
  // A staff id is a UUID (the token verifier refuses any other); a branch claim that is not one matches no one rather than failing the query.
  const managerIds = rules.includes('OWN_BOOK') ? [principal.id] : [];
  const branchIds =
    rules.includes('OWN_BRANCH') && principal.branchId && isUUID(principal.branchId) ? [principal.branchId] : [];
  return { all: false, managerIds, branchIds, allButOptedOut: rules.includes('ALL_BUT_OPTED_OUT') };
}

/**
 * The customers a caller may touch through one root field: only the roles
 * that may call it lend their row scope. A risk officer beside branch staff
 * reads every customer, but may not update consent, so the token's consent
 * writes stay within the branch; read scopes are the union of all roles'.
 */
export function rowScopeForOperation(
  principal: Principal,
  privacy: Pick<RequestPrivacy, 'policy'>,
  root: 'Query' | 'Mutation',
  field: string,
): RowScope {
  const entitled = principal.roles.filter((role) =>
    privacy.policy.mayCall(root, field, { ...principal, roles: [role] }),
  );
  const columns = [...new Set(entitled.map((role) => COLUMN_OF_ROLE[role]))];
  return rowScopeFor(principal, { columns, policy: privacy.policy });
}

/**
 * The scope as one SQL condition on a customer alias: one set-based check, so
 * a page costs no more than a single customer. `bind` adds a parameter and
 * returns its placeholder, in the statement's own style.
 */
export function scopeSql(scope: RowScope, alias: string, bind: (value: unknown, type: string) => string): string {
  if (scope.all) return 'true';
  const optedIn = scope.allButOptedOut ? `NOT ${alias}.personalised_marketing_withdrawn OR ` : '';
  return `(${optedIn}${alias}.relationship_manager_id = ANY(${bind(scope.managerIds, 'uuid[]')}) OR ${alias}.branch_id = ANY(${bind(scope.branchIds, 'uuid[]')}))`;
}

/** The same condition with TypeORM's named parameters, for a query builder. */
export function scopeCondition(scope: RowScope, alias: string): { sql: string; params: Record<string, unknown> } {
  const params: Record<string, unknown> = {};
  const sql = scopeSql(scope, alias, (value) => {
    const name = `scope${Object.keys(params).length}`;
    params[name] = value;
    return `:${name}`;
  });
  return { sql, params };
}
