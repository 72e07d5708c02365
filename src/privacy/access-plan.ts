import { DENIED_FIELD } from './denial';
import { Mask, MASKS } from './masks';
import { Access, RoleColumn, FieldPolicy, isWrapperType } from './policy';

/** A field the caller does not read in full: masked in place, or replaced by its denial. */
export type FieldOp = { field: string; mask: Mask } | { field: string; denied: true };

/**
 * A policy compiled for one set of role columns: per type, the operations to
 * run on each object, and per field the caller's access. Built once per
 * distinct column set and policy, and shared by every request with that set,
 * so a request pays for a Map lookup, not for reading the matrix.
 */
export class AccessPlan {
  private readonly opsByType = new Map<string, FieldOp[]>();
  private readonly accessByField = new Map<string, Access>();
  private readonly fullSensitiveByType = new Map<string, string[]>();

  constructor(
    fields: FieldPolicy,
    readonly columns: readonly RoleColumn[],
  ) {
    for (const [type, rules] of Object.entries(fields)) {
      const ops: FieldOp[] = [];
      const fullSensitive: string[] = [];
      for (const [field, rule] of Object.entries(rules)) {
        const access = mostOpen(columns.map((c) => rule.access[c]));
        this.accessByField.set(`${type}.${field}`, access);
        if (access === 'M') ops.push(rule.mask ? { field, mask: MASKS[rule.mask] } : { field, denied: true });
        if (access === 'D') ops.push({ field, denied: true });
        if (access === 'F' && rule.sensitive) fullSensitive.push(field);
      }
      this.opsByType.set(type, ops);
      this.fullSensitiveByType.set(type, fullSensitive);
    }
  }

  /**
   * D for a field the policy does not name: a new field is private until
   * someone decides its row. Wrapper types (connections, edges) hold nothing
   * of their own and pass everything through.
   */
  access(type: string, field: string): Access {
    return this.accessByField.get(`${type}.${field}`) ?? (isWrapperType(type) ? 'F' : 'D');
  }

  isDenied(type: string, field: string): boolean {
    return this.access(type, field) === 'D';
  }

  /** Sensitive fields of a type that this caller reads in full (what an audit record lists). */
  fullSensitiveFields(type: string): readonly string[] {
    return this.fullSensitiveByType.get(type) ?? [];
  }

  /** The mask this plan puts on a field it reads masked (undefined for any other field). */
  maskOf(type: string, field: string): Mask | undefined {
    const op = this.opsByType.get(type)?.find((candidate) => candidate.field === field);
    return op && 'mask' in op ? op.mask : undefined;
  }

  /** Whether an object of this type needs anything done before it reaches the caller. */
  hasWork(type: string): boolean {
    return (this.opsByType.get(type)?.length ?? 0) > 0 || (this.fullSensitiveByType.get(type)?.length ?? 0) > 0;
  }

  /** Masks and denials applied to an object in place: the caller's own copy (RequestPrivacy.view makes one). */
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

export function mostOpen(cells: Access[]): Access {
  return cells.reduce<Access>((best, cell) => (ORDER[cell] > ORDER[best] ? cell : best), 'D');
}

export function leastOpen(cells: Access[]): Access {
  return cells.reduce<Access>((worst, cell) => (ORDER[cell] < ORDER[worst] ? cell : worst), 'F');
}
