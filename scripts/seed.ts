/**
 * Loads the deterministic demo data set into DATABASE_URL, then segments it.
 *   node -r @swc-node/register scripts/seed.ts --customers 100000 [--seed 42] [--reset]
 *     [--reference-date YYYY-MM-DD] [--concurrency 3] [--chunk-size 2000]
 * Without --reset it refuses a database that already has customers (the
 * same seed would collide with itself). --reset empties every table but
 * audit_record, which is never deleted. Refuses to run with NODE_ENV=production.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { businessToday } from '../src/common/business-date';
import { loadConfig } from '../src/config';
import { createDataSource } from '../src/db/data-source';
import { runMigrations } from '../src/db/migrate';
import { refreshSegments } from '../src/modules/customer/segmentation.service';
import { seedDatabase } from '../src/seed/seed';
import { Keyring } from '../src/privacy/encryption/keyring';
import { localMasterKeys } from '../src/privacy/encryption/master-keys';

const SEEDED_TABLES = [
  'branch',
  'staff',
  'customer',
  'customer_aum_snapshot',
  'tag',
  'customer_tag',
  'product',
  'fx_rate',
  'holding',
  'interaction',
  'campaign',
  'campaign_enrollment',
  'risk_assessment',
  'consent',
  'lead',
  'idempotency_record',
];

function integer(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${value}`);
  return n;
}

async function main() {
  const { values } = parseArgs({
    options: {
      customers: { type: 'string' },
      seed: { type: 'string' },
      reset: { type: 'boolean', default: false },
      'reference-date': { type: 'string' },
      concurrency: { type: 'string' },
      'chunk-size': { type: 'string' },
    },
    strict: true,
  });
  const config = loadConfig();
  if (config.production) throw new Error('Refusing to load demo data with NODE_ENV=production');
  if (!config.db.url) throw new Error('DATABASE_URL is required');
  if (values.customers === undefined) throw new Error('--customers is required');
  const customers = integer('customers', values.customers, 0);
  const seed = integer('seed', values.seed, 42);
  // Three chunks in flight kept both cores of the reference machine busy (Node generating, PostgreSQL inserting).
  const concurrency = Math.max(1, integer('concurrency', values.concurrency, 3));
  const chunkSize = Math.max(1, integer('chunk-size', values['chunk-size'], 2000));
  const referenceDate = values['reference-date'] ?? businessToday(config.businessTimeZone);

  const ds = createDataSource(config.db.url, { poolSize: concurrency + 1, applicationName: 'customer360-seed' });
  await ds.initialize();
  try {
    const applied = await runMigrations(ds);
    if (applied.length > 0) console.log(`applied migrations: ${applied.join(', ')}`);
    if (values.reset) {
      await ds.query(`TRUNCATE ${SEEDED_TABLES.join(', ')} CASCADE`);
      console.log('emptied the demo tables (audit_record kept)');
    } else {
      const [{ count }] = await ds.query(`SELECT count(*)::int AS count FROM customer`);
      if (count > 0) throw new Error(`The database already has ${count} customers; pass --reset to replace them`);
    }

    const started = Date.now();
    const keyring = new Keyring(localMasterKeys(config.encryption));
    await seedDatabase(ds, {
      customers,
      seed,
      referenceDate,
      concurrency,
      chunkSize,
      keyring,
      log: (msg) => console.log(msg),
    });
    const segmentStarted = Date.now();
    const { customers: segmented } = await refreshSegments(ds, config);
    const done = Date.now();
    console.log(
      `segmented ${segmented} customers in ${((done - segmentStarted) / 1000).toFixed(1)} s; ` +
        `total ${((done - started) / 1000).toFixed(1)} s`,
    );
  } finally {
    await ds.destroy();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
