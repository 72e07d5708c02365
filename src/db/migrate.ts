import { DataSource } from 'typeorm';

/** Any constant shared by all instances; it names the lock in pg_locks. */
const MIGRATION_LOCK_KEY = 360_360_001;

/**
 * Runs pending migrations under a session-level advisory lock, so several
 * instances starting at once apply each migration exactly once: the others
 * wait, then find nothing pending.
 */
export async function runMigrations(ds: DataSource): Promise<string[]> {
  const lockSession = ds.createQueryRunner();
  await lockSession.connect();
  try {
    await lockSession.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await lockSession.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lockSession.release();
  }
}
