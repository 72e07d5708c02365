import { GraphQLError } from 'graphql';
import type { RoleColumn } from './policy';
import type { PrivacyPolicy } from './privacy-policy';

type Path = readonly (string | number)[];

const NONE: ReadonlySet<string> = new Set();

/**
 * Says only what was withheld and the threshold (configuration, no secret);
 * never the count, nor whether the cell is small itself or withheld to
 * protect one that is (that would point at the small one).
 */
function suppressed(minimum: number, path?: Path): GraphQLError {
  return new GraphQLError(`Withheld: this covers fewer than ${minimum} customers, or would tell a figure that does`, {
    path,
    extensions: { code: 'SUPPRESSED', minimum },
  });
}

/**
 * Small-cohort suppression (issue 20, policy.ts AGGREGATES): the one answer to
 * "is this aggregate withheld from this caller", asked by every aggregate over
 * customers (customers.totalCount and the list itself, campaign metrics, the
 * churn report, enrolment run counts).
 *
 * "Fewer than K" includes 0: if an empty cohort were answered while 1 to K−1
 * were withheld, a withheld answer would itself say "someone is there", which
 * is what suppression hides.
 */
export class CohortSuppression {
  /** Whether this caller has small cohorts withheld at all; false for exact columns (statements unchanged). */
  readonly applies: boolean;
  private readonly withheldLists: Path[] = [];

  constructor(
    private readonly policy: PrivacyPolicy,
    private readonly columns: readonly RoleColumn[],
    readonly minimum: number,
  ) {
    this.applies = policy.suppressesSmallCohorts(columns);
  }

  /** The same rules with no list withheld yet: each operation of a batched request answers its own. */
  forOperation(): CohortSuppression {
    return new CohortSuppression(this.policy, this.columns, this.minimum);
  }

  /** Whether an aggregate over this many customers is withheld from the caller. */
  withholds(customers: number): boolean {
    return this.applies && customers < this.minimum;
  }

  /** The SUPPRESSED error of a withheld aggregate; the executor puts it at the field's path. */
  error(): GraphQLError {
    return suppressed(this.minimum);
  }

  /**
   * Which cells of one response's table the caller is not shown: those over
   * fewer than K customers, and those withheld to protect them (suppressTable).
   * None for a caller whose small cohorts are not withheld.
   */
  table(
    cells: Readonly<Record<string, TableCell>>,
    margins: readonly Margin[],
    chains: readonly (readonly string[])[] = [],
  ): ReadonlySet<string> {
    return this.applies ? suppressTable(cells, margins, this.minimum, chains) : NONE;
  }

  /**
   * The object with the named cells replaced by functions that throw their
   * SUPPRESSED error: the default resolver calls it, so the cell is null with
   * the error at its own path and the rest of the object still arrives.
   */
  withhold<T extends object>(object: T, fields: readonly string[]): T {
    if (fields.length === 0) return object;
    const copy = { ...object } as Record<string, unknown>;
    for (const field of fields) {
      copy[field] = () => {
        throw this.error();
      };
    }
    return copy as T;
  }

  /**
   * A breakdown (a count per value of some key) as it is listed to the
   * caller. Where small cohorts are withheld, every value is listed, in the
   * order given, a value that does not occur with no customers: listing only
   * the values that occur, or ordering them by count, would tell what the
   * withheld counts hide. Others get the entries as they are.
   */
  everyValue<T extends { customers: number }>(
    entries: readonly T[],
    key: keyof T & string,
    values: readonly string[],
  ): T[] {
    if (!this.applies) return [...entries];
    return values.map(
      (value) => entries.find((e) => e[key] === value) ?? ({ [key]: value, count: 0, customers: 0 } as unknown as T),
    );
  }

  /**
   * A list answered empty because its filter matched too few customers. The
   * list itself is answered (an empty page, so the rest of the response
   * arrives), and this error at its path, added to the response's errors,
   * says why it is empty.
   */
  noteWithheldList(path: readonly (string | number)[]): void {
    this.withheldLists.push([...path]);
  }

  /** The errors of the lists withheld in this request, for the response. */
  withheldListErrors(): GraphQLError[] {
    return this.withheldLists.map((path) => suppressed(this.minimum, path));
  }
}

/** One cell of a table: the number of customers it is computed from. */
export interface TableCell {
  customers: number;
  /**
   * Published whatever it covers: not a cohort's count but a figure the
   * caller set (how many customers a run was asked to screen). Never
   * withheld, neither for its size nor to protect another cell.
   */
  fixed?: boolean;
}

/** A relation the caller knows between published figures: `total` = the sum of `parts`. */
export interface Margin {
  total: string;
  parts: readonly string[];
}

/**
 * Complementary (secondary) suppression, as statistical agencies do it: the
 * cells of one response to withhold so that no withheld value can be worked
 * out from the published ones and the margins, within that response.
 *
 * 1. Primary: every cell over fewer than `k` customers (0 included).
 * 2. Secondary, until neither applies:
 *    - a withheld cell that the margins determine from published cells (a
 *      margin with one withheld member, or a chain of margins that leaves one
 *      unknown: checked exactly, by elimination) has the smallest published
 *      cell of its margins withheld as well, a part rather than a total when
 *      they tie, so the figures that stay are the large ones;
 *    - a margin whose total is published and whose withheld parts together
 *      cover fewer than `k` customers has its smallest published part (else
 *      its total) withheld too: their sum is total − published parts, an
 *      aggregate over fewer than `k` of its own (all zero, it would say no
 *      one is in any of them).
 *
 * 3. Chains: cells that bound one another beyond the margins (a funnel's
 *    steps nest: each ≤ the one before) give every withheld cell an
 *    interval, narrowed with the margins until nothing moves (pinnedCells).
 *    A withheld cell pinned to one value (equal neighbours, a zero above it,
 *    or a margin's sum met by its parts' bounds) has the rest of its chain
 *    withheld, and, once that is all withheld, the smallest published cell
 *    of its margins.
 *
 * A part's customers are summed as given: a customer counted in two parts of
 * one margin (in two episodes of different tiers) counts twice, so the
 * second rule can be satisfied by fewer distinct customers than `k`.
 * Differencing across responses (two filters that differ by one condition)
 * is out of its reach: it sees one table at a time.
 */
export function suppressTable(
  cells: Readonly<Record<string, TableCell>>,
  margins: readonly Margin[],
  k: number,
  chains: readonly (readonly string[])[] = [],
): Set<string> {
  const ids = Object.keys(cells);
  for (const m of margins)
    for (const id of [m.total, ...m.parts]) if (!(id in cells)) throw new Error(`margin names no cell ${id}`);
  const withheld = new Set(ids.filter((id) => !cells[id].fixed && cells[id].customers < k));
  // A total with no parts is 0 by construction (an empty breakdown): there is nothing to protect it with.
  const relations = margins.filter((m) => m.parts.length > 0);
  const totals = new Set(relations.map((m) => m.total));
  const order = new Map(ids.map((id, i) => [id, i]));
  const smallest = (candidates: readonly string[]) =>
    candidates
      .filter((id) => !withheld.has(id) && !cells[id].fixed)
      .sort(
        (a, b) =>
          cells[a].customers - cells[b].customers ||
          Number(totals.has(a)) - Number(totals.has(b)) ||
          order.get(a)! - order.get(b)!,
      )[0] as string | undefined;
  const membersOf = (m: Margin) => [m.total, ...m.parts];
  /** The cell to withhold beside one that could be worked out: the smallest published one of its margins, else of any. */
  const protectorOf = (id: string) =>
    smallest(relations.filter((m) => membersOf(m).includes(id)).flatMap(membersOf)) ??
    smallest(relations.flatMap(membersOf));

  const next = (): string | undefined => {
    for (const id of determinedCells(relations, withheld)) {
      const pick = protectorOf(id);
      if (pick) return pick;
    }
    for (const m of relations) {
      if (withheld.has(m.total)) continue;
      const hidden = m.parts.filter((id) => withheld.has(id));
      if (hidden.length === 0 || hidden.reduce((sum, id) => sum + cells[id].customers, 0) >= k) continue;
      const pick = smallest(m.parts) ?? smallest([m.total]);
      if (pick) return pick;
    }
    // Last: the margins' own rules settle first, so a bound that they would undo anyway withholds nothing.
    for (const id of pinnedCells(cells, relations, chains, withheld)) {
      const rest = chains.find((g) => g.includes(id))?.find((other) => !withheld.has(other) && !cells[other].fixed);
      if (rest) return rest;
      const pick = protectorOf(id);
      if (pick) return pick;
    }
    return undefined;
  };
  for (let pick = next(); pick !== undefined; pick = next()) withheld.add(pick);
  return withheld;
}

/**
 * The withheld cells a client can pin to one value from what is published,
 * by bounds: each chain's cells nest (each ≤ the one before it), each
 * margin's total is the sum of its parts, a count is never negative. Every
 * cell starts at its value if published, else at [0, ∞), and the bounds are
 * narrowed by both rules until nothing moves.
 */
export function pinnedCells(
  cells: Readonly<Record<string, TableCell>>,
  margins: readonly Margin[],
  chains: readonly (readonly string[])[],
  withheld: ReadonlySet<string>,
): string[] {
  const lo = new Map<string, number>();
  const hi = new Map<string, number>();
  for (const [id, cell] of Object.entries(cells)) {
    lo.set(id, withheld.has(id) ? 0 : cell.customers);
    hi.set(id, withheld.has(id) ? Infinity : cell.customers);
  }
  const raise = (id: string, value: number) => {
    if (value <= lo.get(id)!) return false;
    lo.set(id, value);
    return true;
  };
  const lower = (id: string, value: number) => {
    if (value >= hi.get(id)!) return false;
    hi.set(id, value);
    return true;
  };
  const sum = (ids: readonly string[], of: Map<string, number>) => ids.reduce((total, id) => total + of.get(id)!, 0);
  // Each pass moves some bound of a table of a few dozen cells; the cap only guards against a bug.
  for (let pass = 0, moved = true; moved && pass < 100; pass++) {
    moved = false;
    for (const chain of chains)
      for (let i = 1; i < chain.length; i++) {
        moved = raise(chain[i - 1], lo.get(chain[i])!) || moved;
        moved = lower(chain[i], hi.get(chain[i - 1])!) || moved;
      }
    for (const m of margins) {
      moved = raise(m.total, sum(m.parts, lo)) || moved;
      moved = lower(m.total, sum(m.parts, hi)) || moved;
      for (const part of m.parts) {
        const others = m.parts.filter((p) => p !== part);
        moved = raise(part, lo.get(m.total)! - sum(others, hi)) || moved;
        moved = lower(part, hi.get(m.total)! - sum(others, lo)) || moved;
      }
    }
  }
  return [...withheld].filter((id) => lo.get(id) === hi.get(id));
}

/**
 * The withheld cells whose value the margins fix, given every published
 * cell: each margin is the equation total − Σ parts = 0, the published cells
 * are constants, and a withheld cell is determined when the equations over
 * the withheld cells alone combine into one naming only it. Gauss-Jordan
 * elimination in integers (coefficients stay small: rows are divided by their
 * gcd), after which exactly the determined cells have a row of their own.
 */
export function determinedCells(margins: readonly Margin[], withheld: ReadonlySet<string>): string[] {
  const unknowns = [...withheld].filter((id) => margins.some((m) => m.total === id || m.parts.includes(id)));
  const column = new Map(unknowns.map((id, i) => [id, i]));
  const rows = margins.map((m) => {
    const row = new Array<number>(unknowns.length).fill(0);
    const add = (id: string, c: number) => {
      const j = column.get(id);
      if (j !== undefined) row[j] += c;
    };
    add(m.total, 1);
    for (const part of m.parts) add(part, -1);
    return row;
  });
  let rank = 0;
  for (let c = 0; c < unknowns.length && rank < rows.length; c++) {
    const p = rows.findIndex((row, i) => i >= rank && row[c] !== 0);
    if (p < 0) continue;
    [rows[rank], rows[p]] = [rows[p], rows[rank]];
    const pivot = rows[rank];
    for (let i = 0; i < rows.length; i++) {
      const f = rows[i][c];
      if (i !== rank && f !== 0) rows[i] = reduced(rows[i].map((v, j) => v * pivot[c] - pivot[j] * f));
    }
    rank++;
  }
  return rows
    .filter((row) => row.filter((v) => v !== 0).length === 1)
    .map((row) => unknowns[row.findIndex((v) => v !== 0)]);
}

function reduced(row: number[]): number[] {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const g = row.reduce((acc, v) => gcd(acc, Math.abs(v)), 0);
  return g > 1 ? row.map((v) => v / g) : row;
}
