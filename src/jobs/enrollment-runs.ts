import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import { backgroundPool } from '../db/database';
import { EnrollmentJob } from '../modules/campaign/enrollment-job';
import { JobLog, LeasedJobRunner } from './leased-job-runner';

export interface EnrollmentRunner {
  /** Waits for the ranges in flight; a run left unfinished is taken over once its lease lapses. */
  stop(): Promise<void>;
}

/**
 * Runs enrolment runs in this process. On a PostgreSQL server the runner has
 * a pool of its own (one connection per range in flight and one for the
 * heartbeat), so a run over the whole book never holds the connections
 * requests wait for, and its statements are not under the request pool's
 * timeout. The embedded database is one session: the runner shares the
 * server's one connection and screens one range at a time.
 */
export function startEnrollmentRunner(config: Config, ds: DataSource, log: JobLog): EnrollmentRunner {
  const settings = config.enrollmentJob;
  const pool = backgroundPool(config, ds, {
    applicationName: 'customer360-jobs',
    poolSize: settings.connections + 1,
    statementTimeoutMs: settings.statementTimeoutMs,
  });
  const runner = new LeasedJobRunner(
    pool.ds,
    new EnrollmentJob({
      chunkSize: settings.chunkSize,
      statementTimeoutMs: settings.statementTimeoutMs,
      caps: config.contactCaps,
    }),
    {
      pollMs: settings.pollMs,
      connections: pool.own ? settings.connections : 1,
      leaseMs: settings.leaseMs,
      maxClaims: settings.maxClaims,
    },
    log,
  );
  const started = pool.open().then(
    () => runner.start(),
    (error) => log.error({ errorType: (error as Error).name }, 'enrolment runner could not connect; not started'),
  );
  return {
    async stop() {
      await started;
      await runner.stop();
      await pool.close();
    },
  };
}
