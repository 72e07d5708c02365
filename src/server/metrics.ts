import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { Pool } from 'pg';

/**
 * Prometheus metrics for one process. Labels take values from small fixed
 * sets (operation names are capped, outcomes are error codes), so a client
 * cannot grow the series without bound.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'graphql_requests_total',
    help: 'GraphQL HTTP requests by operation and outcome (success or the first error code).',
    labelNames: ['operation', 'outcome', 'status'] as const,
    registers: [this.registry],
  });

  readonly duration = new Histogram({
    name: 'graphql_request_duration_seconds',
    help: 'Time from request received to response sent.',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly errors = new Counter({
    name: 'graphql_errors_total',
    help: 'Errors returned to clients, by code (resolver, validation and limit errors).',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  /**
   * Queries direct reads answered, and those they handed back to the executor after their statement
   * failed (a timeout, an exhausted pool): the executor runs such a query again, so a rise in
   * `failed` is load doubled on a database already in trouble.
   */
  readonly directReads = new Counter({
    name: 'graphql_direct_reads_total',
    help: 'Queries answered by a direct read (outcome="direct"), or handed to the executor after its statement failed (outcome="failed", by SQLSTATE).',
    labelNames: ['outcome', 'sqlstate'] as const,
    registers: [this.registry],
  });

  private readonly operations = new Set<string>();

  constructor(private readonly maxOperationNames = 200) {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Operation names are the client's choice: past a cap, new ones count as "other". */
  operationLabel(name: string): string {
    if (this.operations.has(name)) return name;
    if (this.operations.size >= this.maxOperationNames || !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) return 'other';
    this.operations.add(name);
    return name;
  }

  /** Connections in use, idle and waited for, read from the pools when scraped, by name (primary, replica). */
  watchPools(pools: Record<string, DataSource>): void {
    new Gauge({
      name: 'db_pool_connections',
      help: 'PostgreSQL pool connections by state (in_use, idle, waiting requests).',
      labelNames: ['pool', 'state'] as const,
      registers: [this.registry],
      collect() {
        for (const [name, ds] of Object.entries(pools)) {
          for (const pool of poolsOf(ds)) {
            this.set({ pool: name, state: 'in_use' }, pool.totalCount - pool.idleCount);
            this.set({ pool: name, state: 'idle' }, pool.idleCount);
            this.set({ pool: name, state: 'waiting' }, pool.waitingCount);
          }
        }
      },
    });
  }
}

function poolsOf(ds: DataSource): Pool[] {
  if (!ds.isInitialized) return [];
  const driver = ds.driver as unknown as { master?: Pool; slaves?: Pool[] };
  return [driver.master, ...(driver.slaves ?? [])].filter((pool): pool is Pool => pool !== undefined);
}
