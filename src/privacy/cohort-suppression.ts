import { GraphQLError, GraphQLResolveInfo, responsePathAsArray } from 'graphql';
import type { RoleColumn } from './policy';
import type { PrivacyPolicy } from './privacy-policy';

type Path = readonly (string | number)[];

/** Says only what was withheld and the threshold (configuration, no secret); never the count. */
function suppressed(minimum: number, path?: Path): GraphQLError {
  return new GraphQLError(`Withheld: this covers fewer than ${minimum} customers`, {
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
   * The object with each withheld cell replaced by a function that throws its
   * SUPPRESSED error: the default resolver calls it, so the cell is null with
   * the error at its own path and the rest of the object still arrives.
   * `customersOf` gives, per cell, how many customers it is computed from.
   */
  cells<T extends object>(object: T, customersOf: Partial<Record<string, number>>): T {
    if (!this.applies) return object;
    const withheld = Object.entries(customersOf).filter(([, n]) => this.withholds(n as number));
    if (withheld.length === 0) return object;
    const copy = { ...object } as Record<string, unknown>;
    for (const [cell] of withheld) {
      copy[cell] = () => {
        throw this.error();
      };
    }
    return copy as T;
  }

  /**
   * A breakdown (a count per value of some key, each with the distinct
   * customers behind it) as the caller may read it. Where small cohorts are
   * withheld, every value is listed, in the order given, each count withheld
   * on its own: listing only the values that occur, or ordering them by
   * count, would tell what the withheld counts hide.
   */
  breakdown<T extends { count: number }>(
    entries: readonly (T & { customers: number })[],
    key: keyof T & string,
    values: readonly string[],
  ): T[] {
    const cell = ({ customers, ...rest }: T & { customers: number }) =>
      this.cells(rest as unknown as T, { count: customers });
    if (!this.applies) return entries.map(cell);
    return values.map((value) => {
      const entry = entries.find((e) => e[key] === value);
      return cell(entry ?? ({ [key]: value, count: 0, customers: 0 } as unknown as T & { customers: number }));
    });
  }

  /**
   * A list answered empty because its filter matched too few customers. The
   * list itself is answered (an empty page, so the rest of the response
   * arrives), and this error at its path, added to the response's errors,
   * says why it is empty.
   */
  noteWithheldList(info: GraphQLResolveInfo): void {
    this.withheldLists.push(responsePathAsArray(info.path));
  }

  /** The errors of the lists withheld in this request, for the response. */
  withheldListErrors(): GraphQLError[] {
    return this.withheldLists.map((path) => suppressed(this.minimum, path));
  }
}
