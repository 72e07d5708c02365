import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';

const selectLists = new Map<string, string>();

/**
 * The select list `alias.column AS "property", ...` of every column of an
 * entity, built once from TypeORM's metadata. A raw statement with it returns
 * rows shaped like the entity, with the types TypeORM would hydrate (pg's
 * parsers: dates as text, see pg-types.ts; numeric as text; timestamptz as
 * Date; arrays as arrays), without the query builder and hydration, which
 * were about 8% of the CPU of a 360° view (W1 profile, issue 6).
 */
export function entityColumns(
  ds: DataSource,
  entity: EntityTarget<ObjectLiteral>,
  alias: string,
  /** Only these properties (default: every column); a read that uses a few pays to parse and carry only those. */
  properties?: readonly string[],
  /** Of those, properties read as NULL: a column too costly to carry when the caller will not see it. */
  nulled: readonly string[] = [],
): string {
  const metadata = ds.getMetadata(entity);
  const key = `${metadata.tableName}:${alias}:${properties?.join() ?? '*'}:${nulled.join()}`;
  let list = selectLists.get(key);
  if (list === undefined) {
    const wanted = properties && new Set(properties);
    list = metadata.columns
      .filter((c) => !wanted || wanted.has(c.propertyName))
      .map((c) =>
        nulled.includes(c.propertyName)
          ? `NULL AS "${c.propertyName}"`
          : `${alias}.${c.databaseName} AS "${c.propertyName}"`,
      )
      .join(', ');
    selectLists.set(key, list);
  }
  return list;
}

export interface EntityJson<T> {
  /** `json_build_object(...)` of every column of the alias, keyed by property name. */
  sql: string;
  /** Gives back what JSON cannot carry: timestamps as Date (numerics travel as text, as pg returns them). */
  revive(json: Record<string, unknown>): T;
}

const jsonShapes = new Map<string, EntityJson<unknown>>();

/** An entity row as one JSON value, to embed in another relation's JSON (one statement instead of two). */
export function entityJson<T>(ds: DataSource, entity: EntityTarget<T & ObjectLiteral>, alias: string): EntityJson<T> {
  const metadata = ds.getMetadata(entity);
  const key = `${metadata.tableName}:${alias}`;
  let shape = jsonShapes.get(key);
  if (shape === undefined) {
    const pairs = metadata.columns.map((c) => {
      const value = c.type === 'numeric' ? `${alias}.${c.databaseName}::text` : `${alias}.${c.databaseName}`;
      return `'${c.propertyName}', ${value}`;
    });
    const instants = metadata.columns
      .filter((c) => c.type === 'timestamptz' || c.type === 'timestamp with time zone')
      .map((c) => c.propertyName);
    shape = {
      sql: `json_build_object(${pairs.join(', ')})`,
      revive: (json) => {
        for (const property of instants)
          if (json[property] != null) json[property] = new Date(json[property] as string);
        return json;
      },
    };
    jsonShapes.set(key, shape);
  }
  return shape as EntityJson<T>;
}
