import type { AccessPlan } from './access-plan';
import type { Access, FieldPolicy } from './policy';

/**
 * One line of the shadow report: reads of `type.field` by callers whose
 * covering columns are `role`, which the live policy answers with `live`
 * and the candidate would answer with `candidate`. The count is bumped in
 * place, so counting a read allocates nothing.
 */
export interface ShadowCell {
  readonly type: string;
  readonly field: string;
  readonly role: string;
  readonly live: Access;
  readonly candidate: Access;
  count: number;
  /** What /metrics has already been told (the counter is brought up to `count` when scraped). */
  exported: number;
}

/** The cells of a process, one per (type, field, role, live, candidate), made when a diff plan needs one. */
export class ShadowCells {
  private readonly cells = new Map<string, ShadowCell>();

  cell(type: string, field: string, role: string, live: Access, candidate: Access): ShadowCell {
    const key = `${type}\u0000${field}\u0000${role}\u0000${live}\u0000${candidate}`;
    let cell = this.cells.get(key);
    if (!cell) {
      cell = { type, field, role, live, candidate, count: 0, exported: 0 };
      this.cells.set(key, cell);
    }
    return cell;
  }

  all(): Iterable<ShadowCell> {
    return this.cells.values();
  }
}

/** The pseudo-field under which a customer the candidate's row scope would not return is counted. */
export const ROW_FIELD = '(row)';

/**
 * The fields whose access differs between a live plan and a candidate plan,
 * per type: compiled once per pair of plans (itself once per column set),
 * like the plans, so a request asks a Map and does nothing for a type the
 * two policies agree on.
 */
export class DiffPlan {
  private readonly byType = new Map<string, readonly ShadowCell[]>();

  /** `policies`: the field rows of both policies (a field named by either can differ). */
  constructor(policies: readonly FieldPolicy[], live: AccessPlan, candidate: AccessPlan, cells: ShadowCells) {
    const role = roleOf(live.columns);
    const types = new Set(policies.flatMap((fields) => Object.keys(fields)));
    for (const type of types) {
      const differing: ShadowCell[] = [];
      for (const field of new Set(policies.flatMap((fields) => Object.keys(fields[type] ?? {})))) {
        const before = live.access(type, field);
        const after = candidate.access(type, field);
        if (before !== after) differing.push(cells.cell(type, field, role, before, after));
      }
      if (differing.length) this.byType.set(type, differing);
    }
  }

  get empty(): boolean {
    return this.byType.size === 0;
  }

  /** The cells of a type's differing fields, or undefined where the policies agree on all of them. */
  cellsOf(type: string): readonly ShadowCell[] | undefined {
    return this.byType.get(type);
  }
}

/** The report's name for a set of columns ("-" for none: a customer nobody's column covers). */
export function roleOf(columns: readonly string[]): string {
  return columns.length ? columns.join('+') : '-';
}
