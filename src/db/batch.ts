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
