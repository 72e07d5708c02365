import { DataSource } from 'typeorm';
import type { Config } from '../config';
import { createDataSource } from './data-source';
import { startEmbeddedPostgres } from './embedded';
import { runMigrations } from './migrate';

export interface Database {
  ds: DataSource;
  embedded: boolean;
  close(): Promise<void>;
}

/** The configured PostgreSQL, or an embedded one when no DATABASE_URL is set; migrated and ready. */
export async function openDatabase(config: Config): Promise<Database> {
  // The migration lock holds one extra connection beside the pool.
  const embedded = config.db.url
    ? undefined
    : await startEmbeddedPostgres({ dataDir: config.db.embeddedDir, maxConnections: config.db.poolSize + 2 });
  const ds = createDataSource(config.db.url ?? embedded!.url, { poolSize: config.db.poolSize });
  try {
    await ds.initialize();
    await runMigrations(ds);
  } catch (error) {
    if (ds.isInitialized) await ds.destroy();
    await embedded?.stop();
    throw error;
  }
  return {
    ds,
    embedded: embedded !== undefined,
    async close() {
      await ds.destroy();
      await embedded?.stop();
    },
  };
}
