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

/**
 * PGlite is one PostgreSQL session, which pglite-socket shares among all its
 * client connections and serves one protocol message at a time. Whatever a
 * connection leaves in the session is seen by the others: a named prepared
 * statement made on one already exists for the next (42P05), and outlives
 * the pool's connections (a reconnect after idle prepares it again, and
 * fails); the unnamed statement between one connection's Parse and Execute
 * can be replaced by another's. So the embedded database gets one pooled
 * connection (node-postgres then sends one query at a time) and no named
 * statements. PGlite runs one query at a time anyway: nothing is lost.
 */
const EMBEDDED_POOL = { poolSize: 1, preparedStatements: false };
/** The pool's connection, and the migrator's two (its advisory lock holds one). */
const EMBEDDED_MAX_CONNECTIONS = 3;

/**
 * The configured PostgreSQL, or an embedded one when no DATABASE_URL is set; migrated and ready. A cluster's
 * workers pass `migrate: false`: their primary migrated before starting them.
 */
export async function openDatabase(config: Config, { migrate: migrating = true } = {}): Promise<Database> {
  const embedded = config.db.url
    ? undefined
    : await startEmbeddedPostgres({ dataDir: config.db.embeddedDir, maxConnections: EMBEDDED_MAX_CONNECTIONS });
  const url = config.db.url ?? embedded!.url;
  const pool = {
    statementTimeoutMs: config.db.statementTimeoutMs,
    acquireTimeoutMs: config.db.acquireTimeoutMs,
    idleTimeoutMs: config.db.idleTimeoutMs,
    ...(embedded ? EMBEDDED_POOL : { poolSize: config.db.poolSize, preparedStatements: config.db.preparedStatements }),
  };
  const ds = createDataSource(url, pool);
  const replica = pickReplica(config.db.replicaUrls);
  const reads = replica
    ? createDataSource(replica, {
        ...pool,
        applicationName: 'customer360-gateway-reads',
        sessionTarget: 'prefer-standby',
      })
    : ds;
  try {
    if (migrating) await migrate(url);
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
 * as HAProxy or PgBouncer, give a single URL instead.) A replica URL naming
 * several hosts (a primary and its standbys under a failover manager) reads
 * from a standby while one answers, and from the primary when none does.
 */
function pickReplica(urls: string[]): string | undefined {
  return urls.length === 0 ? undefined : urls[Math.floor(Math.random() * urls.length)];
}

/** A pool for one kind of background work; see backgroundPool. */
export interface BackgroundPool {
  ds: DataSource;
  /** Connects the pool when it is its own; resolves at once when it shares the server's. */
  open(): Promise<void>;
  close(): Promise<void>;
  /** False on the embedded database, where background work shares the server's one connection. */
  own: boolean;
}

/**
 * Connections of its own for background work (the change feed, enrolment
 * runs) on a PostgreSQL server, under a statement timeout of its own: such
 * work then never holds the connections requests wait for, and a batch that
 * needs longer than a request may is not cancelled at the request's limit
 * (and redelivered, to be cancelled again, for ever). The embedded database
 * is one session, so there background work shares the server's pool.
 */
export function backgroundPool(
  config: Config,
  shared: DataSource,
  options: { applicationName: string; poolSize: number; statementTimeoutMs: number },
): BackgroundPool {
  if (!config.db.url) return { ds: shared, own: false, open: async () => undefined, close: async () => undefined };
  const ds = createDataSource(config.db.url, {
    ...options,
    acquireTimeoutMs: config.db.acquireTimeoutMs,
    idleTimeoutMs: config.db.idleTimeoutMs,
    preparedStatements: false,
  });
  let opening: Promise<unknown> | undefined;
  return {
    ds,
    own: true,
    open: async () => {
      // A failed attempt is forgotten, so that the next open() tries again.
      opening ??= ds.initialize().catch((error) => {
        opening = undefined;
        throw error;
      });
      await opening;
    },
    close: async () => {
      if (ds.isInitialized) await ds.destroy();
    },
  };
}
