import { DataSource } from 'typeorm';
import type { Config } from '../config';
import { refreshSegments } from '../modules/customer/segmentation.service';
import { logger } from '../telemetry/logger';
import { seedDatabase } from './seed';

/** A fixed seed: every newcomer gets the same demo customers. */
export const DEMO_SEED = 360;

/** Loads the deterministic demo set into an empty database; a database with customers is left alone. */
export async function loadDemoDataIfEmpty(ds: DataSource, config: Config): Promise<void> {
  const [{ exists }] = await ds.query('SELECT EXISTS (SELECT 1 FROM customer) AS exists');
  if (exists) return;
  const started = Date.now();
  await seedDatabase(ds, { customers: config.demo.customers, seed: DEMO_SEED, log: (msg) => logger.info(msg) });
  await refreshSegments(ds, config);
  logger.info({ customers: config.demo.customers, ms: Date.now() - started }, 'demo data loaded');
}
