import 'reflect-metadata';
import { loadConfig } from './config';
import { openDatabase } from './db/database';
import { loadDemoDataIfEmpty } from './seed/demo';
import { startApp } from './server/app';
import { logger } from './server/logger';

async function main() {
  const config = loadConfig();
  const db = await openDatabase(config);
  logger.info({ embedded: db.embedded }, db.embedded ? 'embedded PostgreSQL ready' : 'PostgreSQL ready');
  if (config.demo.enabled) await loadDemoDataIfEmpty(db.ds, config);

  const app = await startApp(config, db.ds);
  logger.info({ url: app.url }, `Customer360 Gateway ready at ${app.url}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await app.stop();
    await db.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error) => {
  logger.fatal({ err: error }, 'failed to start');
  process.exit(1);
});
