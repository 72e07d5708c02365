import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { preparedQuery } from './prepared-statements';

/** The positional parameters of one raw statement. */
export class SqlParams {
  readonly values: unknown[] = [];

  /** Binds a value and returns its placeholder, cast so PostgreSQL needs no guess. */
  readonly bind = (value: unknown, type: string): string => {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  };
}

/**
 * One relation of a parent row (a customer's tags, a page of their holdings)
 * fetched as one value per parent: a scalar subquery correlated on
 * `parent.id`, usually building JSON. A relation's loader runs it for its
 * batch alone; a root resolver's look-ahead runs several side by side in one
 * statement (see prefetch). Both run the same SQL and decode it the same way,
 * so the two paths cannot drift apart.
 */
export interface ParentRelation<V> {
  subquery(params: SqlParams): string;
  /** What PostgreSQL returned for one parent (JSON already parsed) to what the loader hands out. */
  decode(value: unknown, parentId: string): V;
}

let loadersMade = 0;

/** A DataLoader of one relation, keyed by parent id. */
export class RelationLoader<V> extends DataLoader<string, V> {
  /** Tells loaders apart, to batch the reads that fill the same set of them. */
  readonly id = ++loadersMade;
  private sqlShape?: string;

  constructor(
    readonly ds: DataSource,
    readonly relation: ParentRelation<V>,
  ) {
    super(async (parentIds) => (await fetchRelations(ds, parentIds, [relation]))[0] as V[]);
  }

  /** Its subquery with every value left out: the same for the same relation whatever the arguments' values. */
  get shape(): string {
    this.sqlShape ??= this.relation.subquery({ values: [], bind: (_value, type) => `?::${type}` });
    return this.sqlShape;
  }
}

/**
 * Loaders in an order fixed by their SQL, whatever order the query selected
 * them in, so that one selection is one statement text (one prepared
 * statement). `repeats`: two share a shape (aliases of one relation with
 * other arguments). Such statements run unnamed, or clients could mint
 * prepared statements without bound by aliasing.
 */
export function canonicalOrder<L extends RelationLoader<unknown>>(
  loaders: readonly L[],
): { loaders: L[]; repeats: boolean } {
  const sorted = [...loaders].sort((a, b) => (a.shape < b.shape ? -1 : a.shape > b.shape ? 1 : 0));
  return { loaders: sorted, repeats: sorted.some((loader, i) => i > 0 && loader.shape === sorted[i - 1].shape) };
}

/** The relations as select-list columns r0, r1... correlated on `parent.id`. */
export function relationColumns(relations: readonly ParentRelation<unknown>[], params: SqlParams): string {
  return relations.map((relation, i) => `(${relation.subquery(params)}) AS r${i}`).join(', ');
}

/** One row's relation columns, decoded: one value per relation. */
export function decodeRelations(
  relations: readonly ParentRelation<unknown>[],
  row: Record<string, unknown>,
  parentId: string,
): unknown[] {
  return relations.map((relation, i) => relation.decode(row[`r${i}`], parentId));
}

/** Several relations of the same parents in one statement: per relation, one value per parent id, in order. */
export async function fetchRelations(
  ds: DataSource,
  parentIds: readonly string[],
  relations: readonly ParentRelation<unknown>[],
  prepare = true,
): Promise<unknown[][]> {
  const params = new SqlParams();
  const parents = params.bind(parentIds, 'uuid[]');
  const rows = await preparedQuery(
    ds,
    `SELECT ${relationColumns(relations, params)}
     FROM unnest(${parents}) WITH ORDINALITY AS parent(id, position)
     ORDER BY parent.position`,
    params.values,
    // Which relations a page reads together follows the client's selection.
    prepare && (relations.length > 1 ? 'client-shaped' : true),
  );
  const decoded = rows.map((row, j) => decodeRelations(relations, row, parentIds[j]));
  return relations.map((_, i) => decoded.map((values) => values[i]));
}

/**
 * Look-ahead: fills several relation loaders for these parents with one
 * statement, so the field resolvers that follow find their values cached.
 * A parent a loader already holds keeps its value (DataLoader.prime does not
 * overwrite).
 */
export async function prefetch(
  parentIds: readonly string[],
  loaders: readonly RelationLoader<unknown>[],
): Promise<void> {
  if (parentIds.length === 0 || loaders.length === 0) return;
  const ids = [...new Set(parentIds)];
  const { loaders: ordered, repeats } = canonicalOrder(loaders);
  const values = await fetchRelations(
    ordered[0].ds,
    ids,
    ordered.map((loader) => loader.relation),
    !repeats,
  );
  ordered.forEach((loader, i) => ids.forEach((id, j) => loader.prime(id, values[i][j])));
}
