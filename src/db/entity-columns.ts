import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';

const selectLists = new Map<string, string>();

/**
 * The select list `alias.column AS "property", ...` of every column of an
 * entity, built once from TypeORM's metadata. A raw statement with it returns
 * rows shaped like the entity, with the types TypeORM would hydrate (pg's
 * parsers: dates as text, see pg-types.ts; numeric as text; timestamptz as
 * Date; arrays as arrays), without the query builder and hydration that
 * were a tenth of the CPU of a hot read path (W1 profile, issue 6).
 */
export function entityColumns(ds: DataSource, entity: EntityTarget<ObjectLiteral>, alias: string): string {
  const metadata = ds.getMetadata(entity);
  const key = `${metadata.tableName}:${alias}`;
  let list = selectLists.get(key);
  if (list === undefined) {
    list = metadata.columns.map((c) => `${alias}.${c.databaseName} AS "${c.propertyName}"`).join(', ');
    selectLists.set(key, list);
  }
  return list;
}
