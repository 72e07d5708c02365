import 'reflect-metadata';
import { loadConfig } from './config';
import { openDatabase } from './db/database';
import { loadDemoDataIfEmpty } from './seed/demo';
import { startApp } from './server/app';
import { describeSafely } from './server/errors';
import { logger } from './server/logger';

async function main() {
  const config = loadConfig();
  logger.level = config.logLevel;
  const db = await openDatabase(config);
  logger.info({ embedded: db.embedded }, db.embedded ? 'embedded PostgreSQL ready' : 'PostgreSQL ready');
  if (config.demo.enabled) await loadDemoDataIfEmpty(db.ds, config);

  const app = await startApp(config, db.ds, db.reads);
  logger.info({ url: app.url }, `Customer360 Gateway ready at ${app.url}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    // Whatever hangs, the process leaves shortly after the grace period.
    setTimeout(
      () => {
        logger.error('shutdown took too long; exiting');
        process.exit(1);
      },
      config.shutdownDelayMs + config.shutdownGraceMs + 5_000,
    ).unref();
    await app.stop();
    await db.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error) => {
  // The configuration error names the setting at fault; other errors only their kind (no driver text).
  logger.fatal(
    error instanceof Error && error.message.startsWith('Invalid configuration')
      ? { reason: error.message }
      : describeSafely(error),
    'failed to start',
  );
  process.exit(1);
});
