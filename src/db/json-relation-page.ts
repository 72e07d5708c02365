import type { PageArgs, PageRequest } from '../common/pagination';
import { toPageRequest } from '../common/pagination';
import { NotDirect, SelectedKey, TypeProjection } from './json-projection';

/**
 * How a page of one parent's rows is read, newest first, as its loader
 * pages them: `table` rows whose `parentColumn` is the parent's id, ordered
 * by `order` (a column, then the id, both descending) after a cursor of the
 * same two values.
 */
export interface RelationPage<K extends [unknown, string]> {
  connection: string;
  edge: string;
  node: TypeProjection;
  table: string;
  parentColumn: string;
  order: { column: string; type: string };
  cursorKey: (values: unknown[]) => K | undefined;
}

/**
 * A connection field (`first`, `after`) of parent row `row` as JSON: the
 * page's `limit + 1` rows numbered, the last only telling whether there is a
 * next page; `totalCount` counts them all. Cursors are left to the executor.
 */
export function relationPageJson<K extends [unknown, string]>(
  spec: RelationPage<K>,
  selected: SelectedKey,
  row: string,
): string {
  let page: PageRequest<K>;
  try {
    page = toPageRequest(selected.args() as PageArgs, spec.cursorKey);
  } catch {
    throw new NotDirect(`${spec.connection} page arguments`);
  }
  const { bind } = selected.build.params;
  const limit = bind(page.limit, 'int');
  const order = `x.${spec.order.column} DESC, x.id DESC`;
  const after = page.after
    ? `AND (x.${spec.order.column}, x.id) < (${bind(page.after[0], spec.order.type)}, ${bind(page.after[1], 'uuid')})`
    : '';
  const edge: TypeProjection = { type: spec.edge, fields: { node: (node) => node.object(spec.node, 'x') } };
  const pageInfo: TypeProjection = { type: 'PageInfo', fields: { hasNextPage: () => `count(*) > ${limit}` } };
  const connection: TypeProjection = {
    type: spec.connection,
    fields: {
      edges: (edges) =>
        `coalesce(json_agg(${edges.object(edge, 'x')} ORDER BY ${order}) FILTER (WHERE x.position <= ${limit}), '[]'::json)`,
      pageInfo: (info) => info.object(pageInfo, 'x'),
      totalCount: () =>
        `(SELECT count(*)::int FROM ${spec.table} counted WHERE counted.${spec.parentColumn} = ${row}.id)`,
    },
  };
  return `(SELECT ${selected.object(connection, 'x')}
    FROM (SELECT x.*, row_number() OVER (ORDER BY ${order}) AS position
          FROM ${spec.table} x WHERE x.${spec.parentColumn} = ${row}.id ${after}
          ORDER BY ${order} LIMIT ${limit} + 1) x
    GROUP BY ())`; // one row, rows or not, whichever fields are selected
}
