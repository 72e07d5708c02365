import { sameStaff } from '../auth/principal';
import type { Principal } from '../auth/principal';
import type { AuditTrail } from '../modules/audit/audit-trail';
import type { GraphQLResolveInfo } from 'graphql';
import { AccessPlan } from './access-plan';
import { CohortSuppression } from './cohort-suppression';
import { Access, RoleColumn, COLUMN_OF_ROLE } from './policy';
import type { PolicyShadow } from './policy-shadow';
import { LIVE_POLICY, PrivacyPolicy } from './privacy-policy';
import { selectedFields } from './selection';
import type { DiffPlan, ShadowCell } from './shadow-diff';

/** What decides which columns apply to a customer: the book and the branch it belongs to. */
export interface CustomerOwnership {
  id: string;
  relationshipManagerId: string | null;
  branchId: string;
  personalisedMarketingWithdrawn: boolean;
}

/** Whose rules an object is read under: a customer's plan (and that customer, for the audit), or the caller's own. */
interface Owner {
  plan: AccessPlan;
  customerId?: string;
  /** In shadow mode, where the candidate policy would answer this object's fields otherwise. */
  diff?: DiffPlan;
  /** In shadow mode, a customer the candidate's row scope would not return. */
  hiddenRow?: ShadowCell;
}

/**
 * The privacy of one request. A column grants its cells only on the rows its
 * scope covers: a relationship manager's full view holds for their own book,
 * so a token with RELATIONSHIP_MANAGER and BRANCH_STAFF reads its own
 * customers through both columns and the rest of the branch through the
 * BRANCH column only. Each customer therefore gets the plan of the columns
 * that cover it, and everything reached under that customer (holdings, risk
 * profile, interactions, tags, enrolments and their campaigns) is read
 * through the same plan. Data of no customer (campaigns, catalogues, the
 * audit log, what a mutation returns) is read through all the caller's columns.
 */
export class RequestPrivacy {
  readonly columns: readonly RoleColumn[];
  private readonly customerOwners = new Map<string, Owner>();
  /** Every object handed to the executor, with the rules it was read under: its fields inherit them. */
  private readonly owners = new WeakMap<object, Owner>();
  private readonly callerOwner: Owner;
  /** Whether and from how few customers this caller's aggregates are withheld; its own per operation of a batch. */
  cohorts: CohortSuppression;

  constructor(
    private readonly principal: Principal,
    readonly policy: PrivacyPolicy = LIVE_POLICY,
    kAnonymityMin: number,
    /** Shadow mode's candidate policy, when one is set (PRIVACY_SHADOW_POLICY). */
    readonly shadow?: PolicyShadow,
  ) {
    this.columns = [...new Set(principal.roles.map((r) => COLUMN_OF_ROLE[r]))];
    const plan = policy.planFor(this.columns);
    this.callerOwner = { plan, diff: shadow?.diffForColumns(policy, plan) };
    this.cohorts = new CohortSuppression(policy, this.columns, kAnonymityMin);
  }

  /** Decides and remembers the plan for a customer as it is loaded. */
  decidePlanFor(customer: CustomerOwnership): AccessPlan {
    const covering = this.coveringColumns(this.policy, customer);
    const plan = this.policy.planFor(covering);
    const owner: Owner = { plan, customerId: customer.id };
    const shadow = this.shadow;
    if (shadow && shadow.sameRowScope(this.policy)) owner.diff = shadow.diffForColumns(this.policy, plan);
    else if (shadow) {
      // From the columns already loaded: the candidate's row scope needs no query of its own.
      const candidateColumns = this.coveringColumns(shadow.candidate, customer);
      owner.diff = shadow.diffOf(this.policy, plan, shadow.candidate.planFor(candidateColumns));
      if (covering.length > 0 && candidateColumns.length === 0) owner.hiddenRow = shadow.hiddenRow(plan);
    }
    this.customerOwners.set(customer.id, owner);
    return plan;
  }

  /** The caller's columns whose row scope (under `policy`) covers a customer. */
  private coveringColumns(policy: PrivacyPolicy, customer: CustomerOwnership): RoleColumn[] {
    return this.columns.filter((column) => {
      switch (policy.rowScope(column)) {
        case 'ALL':
          return true;
        case 'ALL_BUT_OPTED_OUT':
          return !customer.personalisedMarketingWithdrawn;
        case 'OWN_BOOK':
          return sameStaff(customer.relationshipManagerId, this.principal.id);
        case 'OWN_BRANCH':
          return customer.branchId === this.principal.branchId;
        case 'NONE':
          return false;
      }
    });
  }

  /**
   * The plan of a customer loaded earlier in this request. Anything under a
   * customer is reached through it; if not, nothing is readable.
   */
  planOfCustomer(customerId: string): AccessPlan {
    return this.customerOwners.get(customerId)?.plan ?? this.policy.planFor([]);
  }

  /**
   * Access to data that belongs to no customer (campaigns, catalogues): row
   * scope does not apply, so every column of the caller counts.
   */
  callerAccess(type: string, field: string): Access {
    return this.callerOwner.plan.access(type, field);
  }

  /**
   * The access the caller has on every row they can see: what filters and
   * search may use, since a filter runs over rows whose plans differ.
   */
  accessOnEveryRow(type: string, field: string): Access {
    return this.policy.leastOpenAccess(this.columns, type, field);
  }

  /** The rules the fields of `source` are read under (the root value and anything unknown: the caller's own). */
  ownerOf(source: unknown): Owner {
    return (typeof source === 'object' && source !== null && this.owners.get(source)) || this.callerOwner;
  }

  /** The rules of the root fields: the caller's own columns. */
  get rootOwner(): Owner {
    return this.callerOwner;
  }

  /**
   * The one pass between a loaded object and the caller (enforce.ts calls it
   * for every object any field returns): the object's plan is its customer's
   * when it is a customer, else the one it was reached under; masks and
   * denials go into a copy (loaded objects may be cached and shared), and
   * each sensitive field read in full becomes a function that returns the
   * value and notes the read. graphql-js's default resolver calls it only
   * when the field is really resolved, so the audit lists exactly what left
   * (not what an unexecuted operation, a @skip or another alias selected).
   */
  view(value: unknown, type: string, parent: Owner, audit: AuditTrail, info: GraphQLResolveInfo): unknown {
    if (Array.isArray(value)) return value.map((item) => this.viewObject(item, type, parent, audit, info));
    return this.viewObject(value, type, parent, audit, info);
  }

  private viewObject(
    value: unknown,
    type: string,
    parent: Owner,
    audit: AuditTrail,
    info: GraphQLResolveInfo,
  ): unknown {
    if (typeof value !== 'object' || value === null) return value;
    const owner = type === 'Customer' ? this.customerOwner(value as CustomerOwnership) : parent;
    if (owner.diff || owner.hiddenRow) countDifferences(owner, type, info);
    const { plan, customerId } = owner;
    // One cached object can be reached under two customers (a campaign both are enrolled in): each gets its own.
    const seen = this.owners.get(value);
    if (seen && seen.plan === plan && seen.customerId === customerId) return value;
    let object = value;
    if (seen || plan.hasWork(type)) {
      object = Object.assign(Object.create(Object.getPrototypeOf(value)), value) as object;
      plan.apply(type, object);
      const target = object as Record<string, unknown>;
      for (const field of plan.fullSensitiveFields(type)) {
        const full = target[field];
        target[field] = () => {
          if (customerId !== undefined) audit.noteRead(customerId, field);
          return full;
        };
      }
    }
    this.owners.set(object, owner);
    return object;
  }

  private customerOwner(customer: CustomerOwnership): Owner {
    let owner = this.customerOwners.get(customer.id);
    if (!owner) {
      this.decidePlanFor(customer);
      owner = this.customerOwners.get(customer.id)!;
    }
    return owner;
  }
}

/**
 * Shadow mode's count for one object reaching the client: each selected
 * field the candidate would answer otherwise. Only types where the two
 * policies differ get this far, and the counting bumps cells made when the
 * diff plan was compiled.
 */
function countDifferences(owner: Owner, type: string, info: GraphQLResolveInfo): void {
  if (owner.hiddenRow && type === 'Customer') owner.hiddenRow.count++;
  const cells = owner.diff?.cellsOf(type);
  if (!cells) return;
  const selected = selectedFields(info);
  for (const cell of cells) if (selected.has(cell.field)) cell.count++;
}
