/**
 * A process-wide cache of small, slowly changing reference rows (products,
 * branches, staff names), so that the per-request loaders do not ask
 * PostgreSQL for the same 20 products on every request. Entries live for
 * `ttlMs`: a renamed product shows within that time on every instance, and
 * a new one at once (an unknown id is always fetched). It holds no customer
 * data and no caller-specific view, so sharing it across callers is safe.
 */
export class ReferenceCache<T> {
  private readonly entries = new Map<string, { row: T | null; until: number }>();

  constructor(
    private readonly fetch: (ids: readonly string[]) => Promise<T[]>,
    private readonly idOf: (row: T) => string,
    private readonly ttlMs = 60_000,
  ) {}

  /** The row if it is cached and fresh, without waiting: lets a hot path skip a promise per row. */
  peek(id: string): T | undefined {
    const entry = this.entries.get(id);
    return entry && entry.until > Date.now() && entry.row !== null ? entry.row : undefined;
  }

  /** One value (or null) per id, in order; ids not cached or expired are fetched in one query. */
  async getMany(ids: readonly string[]): Promise<(T | null)[]> {
    const now = Date.now();
    const missing = ids.filter((id) => (this.entries.get(id)?.until ?? 0) <= now);
    if (missing.length > 0) {
      const rows = await this.fetch(missing);
      const until = now + this.ttlMs;
      for (const id of missing) this.entries.set(id, { row: null, until: now });
      // Frozen: every caller shares these objects, so none may change one in place.
      for (const row of rows) this.entries.set(this.idOf(row), { row: Object.freeze(row), until });
    }
    return ids.map((id) => this.entries.get(id)?.row ?? null);
  }
}
