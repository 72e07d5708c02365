import { sameStaff } from '../auth/principal';
import type { Principal } from '../auth/principal';
import { AccessPlan, accessPlanFor, leastOpenAccess } from './access-plan';
import { Access, Column, COLUMN_OF_ROLE, ROW_SCOPE } from './policy';

/** What decides which columns apply to a customer: the book and the branch it belongs to. */
export interface CustomerOwnership {
  id: string;
  relationshipManagerId: string | null;
  branchId: string;
}

/**
 * The privacy of one request. A column grants its cells only on the rows its
 * scope covers: a relationship manager's full view holds for their own book,
 * so a token with RELATIONSHIP_MANAGER and BRANCH_STAFF reads its own
 * customers through both columns and the rest of the branch through the
 * BRANCH column only. Each customer therefore gets the plan of the columns
 * that cover it, and everything loaded under that customer (holdings, risk
 * profile, interactions) is read through the same plan.
 */
export class RequestPrivacy {
  readonly columns: readonly Column[];
  private readonly plans = new Map<string, AccessPlan>();

  constructor(private readonly principal: Principal) {
    this.columns = [...new Set(principal.roles.map((r) => COLUMN_OF_ROLE[r]).filter((c): c is Column => c !== null))];
  }

  /** Decides and remembers the plan for a customer as it is loaded. */
  forCustomer(customer: CustomerOwnership): AccessPlan {
    const covering = this.columns.filter((column) => {
      switch (ROW_SCOPE[column]) {
        case 'ALL':
          return true;
        case 'OWN_BOOK':
          return sameStaff(customer.relationshipManagerId, this.principal.id);
        case 'OWN_BRANCH':
          return customer.branchId === this.principal.branchId;
      }
    });
    const plan = accessPlanFor(covering);
    this.plans.set(customer.id, plan);
    return plan;
  }

  /**
   * The plan of a customer loaded earlier in this request. Anything under a
   * customer is reached through it; if not, nothing is readable.
   */
  ofCustomer(customerId: string): AccessPlan {
    return this.plans.get(customerId) ?? accessPlanFor([]);
  }

  /**
   * Access to data that belongs to no customer (campaigns, catalogues): row
   * scope does not apply, so every column of the caller counts.
   */
  unscoped(type: string, field: string): Access {
    return accessPlanFor(this.columns).access(type, field);
  }

  /**
   * The access the caller has on every row they can see: what filters and
   * search may use, since a filter runs over rows whose plans differ.
   */
  everywhere(type: string, field: string): Access {
    return leastOpenAccess(this.columns, type, field);
  }
}
