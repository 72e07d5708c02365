import { DataSource } from 'typeorm';
import type { Config } from '../config';
import { createDataSource } from './data-source';
import { startEmbeddedPostgres } from './embedded';
import { runMigrations } from './migrate';

export interface Database {
  /** The primary: every write, and the reads of a mutation (read-your-writes). */
  ds: DataSource;
  /** Where queries read: a replica when DATABASE_REPLICA_URLS is set, else the primary itself. */
  reads: DataSource;
  embedded: boolean;
  close(): Promise<void>;
}

/** The configured PostgreSQL, or an embedded one when no DATABASE_URL is set; migrated and ready. */
export async function openDatabase(config: Config): Promise<Database> {
  // The migration lock holds one extra connection beside the pool.
  const embedded = config.db.url
    ? undefined
    : await startEmbeddedPostgres({ dataDir: config.db.embeddedDir, maxConnections: config.db.poolSize + 2 });
  const url = config.db.url ?? embedded!.url;
  const ds = createDataSource(url, {
    poolSize: config.db.poolSize,
    statementTimeoutMs: config.db.statementTimeoutMs,
    acquireTimeoutMs: config.db.acquireTimeoutMs,
    preparedStatements: config.db.preparedStatements,
  });
  const replica = pickReplica(config.db.replicaUrls);
  const reads = replica
    ? createDataSource(replica, {
        poolSize: config.db.poolSize,
        statementTimeoutMs: config.db.statementTimeoutMs,
        acquireTimeoutMs: config.db.acquireTimeoutMs,
        preparedStatements: config.db.preparedStatements,
        applicationName: 'customer360-gateway-reads',
      })
    : ds;
  try {
    await migrate(url);
    await ds.initialize();
    if (reads !== ds) await reads.initialize();
  } catch (error) {
    if (ds.isInitialized) await ds.destroy();
    if (reads !== ds && reads.isInitialized) await reads.destroy();
    await embedded?.stop();
    throw error;
  }
  return {
    ds,
    reads,
    embedded: embedded !== undefined,
    async close() {
      if (reads !== ds) await reads.destroy();
      await ds.destroy();
      await embedded?.stop();
    },
  };
}

/**
 * Migrations run on their own connections, without the serving statement
 * timeout: building an index on a large table, or waiting for another
 * instance's migration lock, may take minutes.
 */
async function migrate(url: string): Promise<void> {
  const migrator = createDataSource(url, { poolSize: 2, applicationName: 'customer360-migrate' });
  await migrator.initialize();
  try {
    await runMigrations(migrator);
  } finally {
    await migrator.destroy();
  }
}

/**
 * Each instance reads from one replica, picked at random at start, so a
 * fleet of instances spreads over the replicas. (Behind a TCP balancer such
 * as HAProxy or PgBouncer, give a single URL instead.)
 */
function pickReplica(urls: string[]): string | undefined {
  return urls.length === 0 ? undefined : urls[Math.floor(Math.random() * urls.length)];
}
