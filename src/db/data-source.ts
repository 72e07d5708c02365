import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { entities } from './entities';
import { migrations } from './migrations';
import { logger } from '../telemetry/logger';
import { installPgTypeParsers } from './pg-types';
import { usePreparedStatements } from './prepared-statements';
import { sqlStateOf } from './sql-state';
import { clientFollowing, HostLocator, parseHostList, type SessionTarget } from './host-list';

export interface DataSourceOptions {
  poolSize?: number;
  /** Name reported to PostgreSQL (pg_stat_activity), to tell instances apart. */
  applicationName?: string;
  /** PostgreSQL cancels statements running longer (57014, answered as SERVICE_UNAVAILABLE). Unset: no limit, for batch jobs. */
  statementTimeoutMs?: number;
  /** How long to wait for a pooled connection or a new one before giving up. */
  acquireTimeoutMs?: number;
  /** Close a pooled connection idle this long (node-postgres's default: 10 s); 0 never does. */
  idleTimeoutMs?: number;
  /** Name the hot statements (prepared once per connection). Off behind PgBouncer in transaction mode. Default on. */
  preparedStatements?: boolean;
  /**
   * With several hosts in the URL, which one a connection goes to when the
   * URL's `target_session_attrs` does not say; unset: the primary.
   */
  sessionTarget?: SessionTarget;
}

export function createDataSource(url: string, options: DataSourceOptions = {}): DataSource {
  installPgTypeParsers();
  const hostList = parseHostList(url);
  const applicationName = options.applicationName ?? 'customer360-gateway';
  const following = hostList && {
    Client: clientFollowing(
      new HostLocator(hostList.hosts, hostList.target ?? options.sessionTarget ?? 'primary', {
        connectionString: hostList.url,
        application_name: `${applicationName}-probe`,
        connectionTimeoutMillis: options.acquireTimeoutMs,
      }),
    ),
  };
  const ds = new DataSource({
    type: 'postgres',
    url: hostList?.url ?? url,
    entities,
    migrations,
    // Schema changes come only from reviewed migrations.
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    poolSize: options.poolSize ?? 10,
    applicationName,
    logging: false,
    connectTimeoutMS: options.acquireTimeoutMs,
    extra: {
      ...(options.statementTimeoutMs
        ? {
            statement_timeout: options.statementTimeoutMs,
            // PostgreSQL enforces the statement timeout only if it can still talk to us: when the network
            // goes silent (no reset, no answer) the client gives up a little later by itself.
            query_timeout: options.statementTimeoutMs + 2_000,
          }
        : {}),
      // A transaction left open by a crashed request must not hold its locks forever.
      idle_in_transaction_session_timeout: 60_000,
      ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMillis: options.idleTimeoutMs } : {}),
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      ...following,
    },
    // TypeORM's default handler prints the driver's message; ours keeps to what is safe to log.
    poolErrorHandler: (error: Error) =>
      logger.warn({ errorType: error.name, sqlState: sqlStateOf(error) }, 'database connection lost'),
  });
  if (options.preparedStatements ?? true) usePreparedStatements(ds);
  return ds;
}
