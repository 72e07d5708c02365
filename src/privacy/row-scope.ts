import { isUUID } from 'class-validator';
import type { Principal } from '../auth/principal';
import { Column, ROW_SCOPE } from './policy';

/** The customers a caller may see: all of them, or those of some managers' books and some branches. */
export type RowScope = { all: true } | { all: false; managerIds: string[]; branchIds: string[] };

export function rowScopeFor(principal: Principal, columns: readonly Column[]): RowScope {
  const rules = columns.map((c) => ROW_SCOPE[c]);
  if (rules.includes('ALL')) return { all: true };
  // Ids are compared with uuid columns: a claim that is not a uuid matches no one rather than failing the query.
  const managerIds = rules.includes('OWN_BOOK') && isUUID(principal.id) ? [principal.id] : [];
  const branchIds =
    rules.includes('OWN_BRANCH') && principal.branchId && isUUID(principal.branchId) ? [principal.branchId] : [];
  return { all: false, managerIds, branchIds };
}

/**
 * The scope as one SQL condition on a customer alias, with its parameters:
 * one set-based check, so a page costs no more than a single customer.
 */
export function scopeCondition(scope: RowScope, alias: string): { sql: string; params: Record<string, string[]> } {
  if (scope.all) return { sql: 'true', params: {} };
  return {
    sql: `(${alias}.relationship_manager_id = ANY(:scopeManagerIds) OR ${alias}.branch_id = ANY(:scopeBranchIds))`,
    params: { scopeManagerIds: scope.managerIds, scopeBranchIds: scope.branchIds },
  };
}

/** The same condition with positional parameters, for raw SQL: `bind` adds a value and returns its placeholder. */
export function scopeSql(scope: RowScope, alias: string, bind: (value: unknown, type: string) => string): string {
  if (scope.all) return 'true';
  return `(${alias}.relationship_manager_id = ANY(${bind(scope.managerIds, 'uuid[]')}) OR ${alias}.branch_id = ANY(${bind(scope.branchIds, 'uuid[]')}))`;
}
