import { Role } from '../auth/roles';
import { DENIED_FIELD } from './denial';
import { Access, COLUMN_OF_ROLE, Column, FIELD_POLICY, Mask } from './policy';

/** A field the caller does not read in full: masked in place, or replaced by its denial. */
export type FieldOp = { field: string; mask: Mask } | { field: string; denied: true };

/**
 * The policy compiled for one set of roles: per type, the operations to run
 * on each loaded object, and per field the caller's access. Built once per
 * distinct role set and shared by every request with that set, so a request
 * pays for a Map lookup, not for reading the matrix.
 */
export class AccessPlan {
  private readonly opsByType = new Map<string, FieldOp[]>();
  private readonly accessByField = new Map<string, Access>();
  private readonly fullSensitiveByType = new Map<string, string[]>();

  constructor(readonly columns: readonly Column[]) {
    for (const [type, fields] of Object.entries(FIELD_POLICY)) {
      const ops: FieldOp[] = [];
      const fullSensitive: string[] = [];
      for (const [field, rule] of Object.entries(fields)) {
        const access = mostOpen(columns.map((c) => rule.access[c]));
        this.accessByField.set(`${type}.${field}`, access);
        if (access === 'M') ops.push({ field, mask: rule.mask! });
        if (access === 'D') ops.push({ field, denied: true });
        if (access === 'F' && rule.sensitive) fullSensitive.push(field);
      }
      this.opsByType.set(type, ops);
      this.fullSensitiveByType.set(type, fullSensitive);
    }
  }

  /** D for a field the policy does not name: a new field is private until someone decides its row. */
  access(type: string, field: string): Access {
    return this.accessByField.get(`${type}.${field}`) ?? 'D';
  }

  isDenied(type: string, field: string): boolean {
    return this.access(type, field) === 'D';
  }

  /** Sensitive fields of a type that this caller reads in full (what an audit record lists). */
  fullSensitiveFields(type: string): readonly string[] {
    return this.fullSensitiveByType.get(type) ?? [];
  }

  /**
   * The one pass: masks and denials applied to an object as it is loaded.
   * Fields the caller reads in full are untouched, so they keep graphql-js's
   * default resolver and cost nothing per row. The object must be this
   * request's own copy (loaders build fresh objects per request).
   */
  apply<T extends object>(type: string, object: T): T {
    const target = object as Record<string, unknown>;
    for (const op of this.opsByType.get(type) ?? []) {
      if ('denied' in op) target[op.field] = DENIED_FIELD;
      else if (target[op.field] != null) target[op.field] = op.mask(target[op.field], object);
    }
    return object;
  }
}

const ORDER: Record<Access, number> = { D: 0, M: 1, F: 2 };

function mostOpen(cells: Access[]): Access {
  return cells.reduce<Access>((best, cell) => (ORDER[cell] > ORDER[best] ? cell : best), 'D');
}

const plans = new Map<string, AccessPlan>();

/** The plan for a principal's roles; roles without a column (PARTNER) read nothing. */
export function accessPlanFor(roles: readonly Role[]): AccessPlan {
  const columns = [...new Set(roles.map((r) => COLUMN_OF_ROLE[r]).filter((c): c is Column => c !== null))].sort();
  const key = columns.join(',');
  let plan = plans.get(key);
  if (!plan) {
    plan = new AccessPlan(columns);
    plans.set(key, plan);
  }
  return plan;
}
