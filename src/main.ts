// First: the tracing instrumentations patch `http` and `pg` as they are required.
import { tracing } from './telemetry/register';
import 'reflect-metadata';
import cluster from 'node:cluster';
import { Registry } from 'prom-client';
import { type Config, loadConfig } from './config';
import { openDatabase } from './db/database';
import { sqlStateOf } from './db/sql-state';
import { loadSigningKey } from './modules/audit/audit-digest';
import { loadDemoDataIfEmpty } from './seed/demo';
import { startApp } from './server/app';
import { startBackgroundWork } from './server/background';
import { describeSafely } from './server/errors';
import { flushLogs, logger } from './telemetry/logger';
import { watchParent } from './server/parent-watch';
import { runClusterPrimary } from './server/cluster-primary';
import {
  answerMetricsRequests,
  isClusterWorker,
  onPrimaryGone,
  scrapeCluster,
  tellPrimary,
} from './server/cluster-worker';

/** Past the drain delay and the grace period, how long closing the pools and Redis may take. */
const SHUTDOWN_CLOSE_MS = 5_000;

async function main() {
  const config = loadConfig();
  logger.level = config.logLevel;
  // GATEWAY_PROCESSES > 1: this process becomes the cluster's primary, once it has done what must be done once.
  const primary = config.processes > 1 && cluster.isPrimary;
  const metricsForPrimary = isClusterWorker ? answerMetricsRequests() : undefined;
  // A signing key that cannot be read (or made, outside production) stops the start, not the first digest.
  if (config.audit.sealer.enabled) await loadSigningKey(config.audit.sealer);
  const db = await openDatabase(config, { migrate: !isClusterWorker });
  logger.info({ embedded: db.embedded }, db.embedded ? 'embedded PostgreSQL ready' : 'PostgreSQL ready');
  if (config.demo.enabled && !isClusterWorker) await loadDemoDataIfEmpty(db.ds, config);
  if (primary) {
    await db.close();
    return runClusterPrimary(config, shutdownDeadlineMs(config));
  }

  const app = await startApp(config, db.ds, db.reads, isClusterWorker ? { scrape: scrapeCluster } : {});
  if (app.metrics) metricsForPrimary?.serveRegistry(app.metrics.registry);
  const background = startBackgroundWork(config, db.ds, app.metrics?.registry ?? new Registry(), logger);

  let stopping = false;
  const shutdown = async (trigger: string) => {
    if (stopping) return;
    stopping = true;
    // Armed before anything can hang or throw; kept referenced so that the process waits for it rather than
    // leaving with code 0 should the work below stall with nothing left open.
    const deadlineMs = shutdownDeadlineMs(config);
    setTimeout(() => {
      logger.error(
        { deadlineMs, stillOpen: process.getActiveResourcesInfo() },
        `shutdown deadline of ${deadlineMs} ms passed; exiting with resources still open`,
      );
      void flushLogs().then(() => process.exit(1));
    }, deadlineMs);
    logger.info({ trigger }, 'shutting down: draining in-flight requests');
    let failed = false;
    for (const [what, close] of [
      ['the server', () => app.stop()],
      // Batches in flight (events in and out, segment refreshes) finish before the database closes.
      ['the background work', () => background.stop()],
      ['the database', () => db.close()],
      ['the trace exporter', async () => tracing?.shutdown()],
    ] as const) {
      try {
        await close();
      } catch (error) {
        failed = true;
        logger.error({ ...describeSafely(error), reason: reasonOf(error) }, `shutdown: closing ${what} failed`);
      }
    }
    logger.info(failed ? 'stopped, with errors' : 'stopped');
    await flushLogs();
    process.exit(failed ? 1 : 0);
  };
  // A signal to one worker (a terminal's reaches the whole process group) stops the instance: the primary is told.
  const onSignal = (signal: string) => {
    if (isClusterWorker && !stopping) void tellPrimary({ c360: 'stopping', trigger: signal });
    void shutdown(signal);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => onSignal(signal));
  if (config.stopWithParent) {
    // A closed terminal, or the tool or npm that started the development server gone.
    process.on('SIGHUP', () => onSignal('SIGHUP'));
    // A worker's parent is the primary, which watches its own; a worker follows it through the IPC channel.
    if (!isClusterWorker) watchParent((reason) => void shutdown(reason));
  }
  if (isClusterWorker) onPrimaryGone(() => void shutdown('the cluster primary exited'));
  // Ready only once a signal would stop it gracefully: a Ctrl-C that reached a worker before its handlers
  // were in place killed it outright, and the instance then exited 1 (seen in CI, under load).
  if (isClusterWorker) {
    logger.info({ url: app.url, pid: process.pid }, 'worker ready');
    void tellPrimary({ c360: 'ready', url: app.url });
  } else logger.info({ url: app.url }, `Customer360 Gateway ready at ${app.url}`);
}

/** How long a stop may take at most: the drain delay, the grace period, then closing the pools and Redis. */
function shutdownDeadlineMs(config: Config): number {
  return config.shutdownDelayMs + config.shutdownGraceMs + SHUTDOWN_CLOSE_MS;
}

/**
 * What a failure to start (or to stop) says about itself, for the log.
 * Starting touches no customer data, so the message is printed: our own
 * errors (a setting, the embedded directory in use), system errors
 * (EADDRINUSE, EACCES, ECONNREFUSED) and PostgreSQL's (a database that does
 * not exist, a refused login, a migration's failure). Not the message of a
 * PostgreSQL data exception (SQLSTATE class 22), which may quote a value;
 * and never a driver error's detail, query or parameters.
 */
function reasonOf(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  // A data exception's message may quote the value at fault.
  if (sqlStateOf(error)?.startsWith('22')) return undefined;
  // A connection refused on every address of a host name is an AggregateError with no message of its own.
  if (!error.message && error instanceof AggregateError) {
    return error.errors.map((inner) => reasonOf(inner) ?? 'unknown error').join('; ');
  }
  return error.message || undefined;
}

main().catch((error) => {
  const reason = reasonOf(error);
  // The configuration error names the settings at fault; its stack says nothing more.
  const configuration = reason?.startsWith('Invalid configuration') ?? false;
  logger.fatal(
    configuration ? { reason } : { reason, ...describeSafely(error) },
    reason ? `failed to start: ${reason}` : 'failed to start',
  );
  const told = isClusterWorker ? tellPrimary({ c360: 'start-failed', reason: reason ?? 'unknown error' }) : undefined;
  void Promise.all([told, flushLogs()]).then(() => process.exit(1));
});
