import { types } from 'pg';

/**
 * Install the value parsers once per process, before any connection is made.
 * - date: kept as the 'YYYY-MM-DD' text PostgreSQL sends. The default turns it
 *   into a JS Date at local midnight, which shifts the day under any TZ but UTC.
 * - int8 (count(*)): a JS number; our counts stay far below 2^53.
 * numeric stays a string on purpose: money is never a float.
 */
export function installPgTypeParsers(): void {
  types.setTypeParser(types.builtins.DATE, (value) => value);
  types.setTypeParser(types.builtins.INT8, (value) => Number(value));
}
