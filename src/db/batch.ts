/**
 * DataLoader's contract: a batch function returns exactly one value per key,
 * in the order of the keys. These helpers turn an unordered result set into
 * that shape, so no loader reorders rows by hand.
 */

/** One row (or null when absent) per key. */
export function byKey<K, R>(keys: readonly K[], rows: readonly R[], keyOf: (row: R) => K): (R | null)[] {
  const index = new Map<K, R>();
  for (const row of rows) index.set(keyOf(row), row);
  return keys.map((key) => index.get(key) ?? null);
}

/** Every row of each key, in the order the rows arrived (so ORDER BY in SQL survives). */
export function groupByKey<K, R>(keys: readonly K[], rows: readonly R[], keyOf: (row: R) => K): R[][] {
  const groups = new Map<K, R[]>();
  for (const key of keys) groups.set(key, []);
  for (const row of rows) groups.get(keyOf(row))?.push(row);
  return keys.map((key) => groups.get(key) ?? []);
}
