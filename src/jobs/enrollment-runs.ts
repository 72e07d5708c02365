import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import { backgroundPool } from '../db/database';
import { databaseFailureDetails } from '../db/sql-state';

const CONNECT_RETRY_MS = 2_000;
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
  let stopping = false;
  // A database that is down at start (a restart, a failover) is waited for: runs accepted meanwhile start then.
  const started = (async () => {
    while (!stopping) {
      try {
        await pool.open();
        runner.start();
        return;
      } catch (error) {
        log.error(databaseFailureDetails(error), 'enrolment runner cannot connect yet; retrying');
        await new Promise((resolve) => setTimeout(resolve, CONNECT_RETRY_MS));
      }
    }
  })();
  return {
    async stop() {
      stopping = true;
      await started;
      await runner.stop();
      await pool.close();
    },
  };
}
