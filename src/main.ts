// First: the tracing instrumentations patch `http` and `pg` as they are required.
import { tracing } from './telemetry/register';
import 'reflect-metadata';
import { Registry } from 'prom-client';
import { loadConfig } from './config';
import { openDatabase } from './db/database';
import { sqlStateOf } from './db/sql-state';
import { loadSigningKey } from './modules/audit/audit-digest';
import { loadDemoDataIfEmpty } from './seed/demo';
import { startApp } from './server/app';
import { startBackgroundWork } from './server/background';
import { describeSafely } from './server/errors';
import { flushLogs, logger } from './telemetry/logger';
import { watchParent } from './server/parent-watch';

/** Past the drain delay and the grace period, how long closing the pools and Redis may take. */
const SHUTDOWN_CLOSE_MS = 5_000;

async function main() {
  const config = loadConfig();
  logger.level = config.logLevel;
  // A signing key that cannot be read (or made, outside production) stops the start, not the first digest.
  if (config.audit.sealer.enabled) await loadSigningKey(config.audit.sealer);
  const db = await openDatabase(config);
  logger.info({ embedded: db.embedded }, db.embedded ? 'embedded PostgreSQL ready' : 'PostgreSQL ready');
  if (config.demo.enabled) await loadDemoDataIfEmpty(db.ds, config);

  const app = await startApp(config, db.ds, db.reads);
  logger.info({ url: app.url }, `Customer360 Gateway ready at ${app.url}`);
  const background = startBackgroundWork(config, db.ds, app.metrics?.registry ?? new Registry(), logger);

  let stopping = false;
  const shutdown = async (trigger: string) => {
    if (stopping) return;
    stopping = true;
    // Armed before anything can hang or throw; kept referenced so that the process waits for it rather than
    // leaving with code 0 should the work below stall with nothing left open.
    const deadlineMs = config.shutdownDelayMs + config.shutdownGraceMs + SHUTDOWN_CLOSE_MS;
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
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void shutdown(signal));
  if (config.stopWithParent) {
    // A closed terminal, or the tool or npm that started the development server gone.
    process.on('SIGHUP', () => void shutdown('SIGHUP'));
    watchParent((reason) => void shutdown(reason));
  }
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
  void flushLogs().then(() => process.exit(1));
});
