import type { DataSource } from 'typeorm';

/**
 * Whether a staff token names someone in the bank's staff directory. Any
 * well-formed staff id may read (row scopes already match no one for a
 * stranger), but what is written names its author: a write by an id the
 * directory does not hold is refused before it touches a row (PRODUCT.md §2).
 */
export class StaffDirectory {
  constructor(private readonly ds: DataSource) {}

  async isMember(staffId: string): Promise<boolean> {
    const rows: unknown[] = await this.ds.query('SELECT 1 FROM staff WHERE id = $1', [staffId]);
    return rows.length > 0;
  }
}
