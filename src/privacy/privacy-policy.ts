import { isPartner, Principal } from '../auth/principal';
import { Role } from '../auth/roles';
import { AccessPlan, leastOpen } from './access-plan';
import {
  Access,
  COLUMNS,
  isWrapperType,
  RoleColumn,
  LIVE_POLICY_DATA,
  PolicyData,
  RevealReason,
  RowScopeRule,
} from './policy';
import { revealGaps, revealingColumns } from './reveal-cells';

/**
 * A privacy policy compiled from its data: the one object that every
 * enforcement point asks (the per-object pass, filters, the look-ahead, row
 * scopes). Plans are compiled once per column set and kept with the policy,
 * so two policies (the live one and another) never share a plan.
 */
const STAFF_ROLES = Object.values(Role).filter((r) => r !== Role.PARTNER);

export class PrivacyPolicy {
  private readonly plans = new Map<string, AccessPlan>();

  constructor(readonly data: PolicyData) {
    // A reveal on a D or F cell would undo a denial or mean nothing: such a policy is never served.
    const gaps = revealGaps(data.fields);
    if (gaps.length) throw new Error(`The privacy policy's reveal cells are wrong:\n  ${gaps.join('\n  ')}`);
  }

  /** The plan for a set of columns; no column (a partner) reads nothing. */
  planFor(columnSet: readonly RoleColumn[]): AccessPlan {
    const columns = [...new Set(columnSet)].sort();
    const key = columns.join(',');
    let plan = this.plans.get(key);
    if (!plan) {
      plan = new AccessPlan(this.data.fields, columns);
      this.plans.set(key, plan);
    }
    return plan;
  }

  /**
   * The least open cell of a field among some columns (D when there are none
   * or the field has no row, but for a wrapper type's, which AccessPlan passes through too).
   */
  leastOpenAccess(columns: readonly RoleColumn[], type: string, field: string): Access {
    const rule = this.data.fields[type]?.[field];
    if (columns.length === 0) return 'D';
    if (!rule) return isWrapperType(type) ? 'F' : 'D';
    return leastOpen(columns.map((c) => rule.access[c]));
  }

  /**
   * Whether some staff role reads the field less than in full (masked, banded
   * or denied): a filter on it is a read of it (PRODUCT.md §3). A field the
   * policy does not name is denied, so it counts too.
   */
  isRestricted(type: string, field: string): boolean {
    const rule = this.data.fields[type]?.[field];
    return !rule || COLUMNS.some((column) => rule.access[column] !== 'F');
  }

  /** Whether the caller may call a root field (the shield rules ask this); one the policy does not name, nobody. */
  mayCall(root: 'Query' | 'Mutation', field: string, principal: Principal): boolean {
    const callers = this.data.operations[root][field];
    if (callers === undefined) return false;
    if (callers === 'ANYONE') return true;
    const allowed: readonly string[] = callers === 'STAFF' ? STAFF_ROLES : callers;
    if (principal.roles.some((r) => allowed.includes(r))) return true;
    return isPartner(principal) && principal.scopes.some((scope) => allowed.includes(`scope:${scope}`));
  }

  /** The columns (of those covering a row) that may reveal a field for a reason (revealField). */
  revealingColumns(columns: readonly RoleColumn[], type: string, field: string, reason: RevealReason): RoleColumn[] {
    return revealingColumns(this.data.fields, columns, type, field, reason);
  }

  rowScope(column: RoleColumn): RowScopeRule {
    return this.data.rowScope[column];
  }

  /**
   * Whether a caller with these columns has small cohorts withheld. Several
   * roles grant the union of their rights, but an exact column lifts the
   * suppression only if it sees every customer: a relationship manager who is
   * also an analyst counts the whole bank through the analyst's column, so a
   * small cohort outside the book stays withheld (and a list, within it too).
   */
  suppressesSmallCohorts(columns: readonly RoleColumn[]): boolean {
    const suppressed = columns.some((c) => this.data.aggregates[c] === 'SMALL_COHORTS_SUPPRESSED');
    const exactOverAll = columns.some((c) => this.data.aggregates[c] === 'EXACT' && this.data.rowScope[c] === 'ALL');
    return suppressed && !exactOverAll;
  }
}

export const LIVE_POLICY = new PrivacyPolicy(LIVE_POLICY_DATA);
