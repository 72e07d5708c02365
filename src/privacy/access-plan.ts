import { DENIED_FIELD } from './denial';
import { Access, Column, FIELD_POLICY, Mask } from './policy';

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

/** The least open cell of a field among some columns (D when there are none or the field has no row). */
export function leastOpenAccess(columns: readonly Column[], type: string, field: string): Access {
  const rule = FIELD_POLICY[type]?.[field];
  if (!rule || columns.length === 0) return 'D';
  return columns
    .map((c) => rule.access[c])
    .reduce<Access>((worst, cell) => (ORDER[cell] < ORDER[worst] ? cell : worst), 'F');
}

const plans = new Map<string, AccessPlan>();

/** The plan for a set of columns; no column (a partner) reads nothing. */
export function accessPlanFor(columnSet: readonly Column[]): AccessPlan {
  const columns = [...new Set(columnSet)].sort();
  const key = columns.join(',');
  let plan = plans.get(key);
  if (!plan) {
    plan = new AccessPlan(columns);
    plans.set(key, plan);
  }
  return plan;
}
