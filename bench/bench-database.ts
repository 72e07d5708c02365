/**
 * Databases the benchmarks create beside the one DATABASE_URL names, on the
 * same PostgreSQL server, seeded with the demo data set. One implementation
 * for bench:load (a fresh database every run) and bench:feed (seeded once,
 * then reused).
 */
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import type { Config } from '../src/config';
import { createDataSource } from '../src/db/data-source';
import { runMigrations } from '../src/db/migrate';
import { refreshSegments } from '../src/modules/customer/segmentation.service';
import { seedDatabase } from '../src/seed/seed';
import { loadConfig } from '../src/config';
import { Keyring } from '../src/privacy/encryption/keyring';
import { localMasterKeys } from '../src/privacy/encryption/master-keys';
import { registerKeyring } from '../src/privacy/encryption/keyrings';
import { BENCH_MASTER_KEY } from './workloads';

export interface BenchDatabase {
  url: string;
  ds: DataSource;
}

export interface SeedSettings {
  customers: number;
  applicationName: string;
  /** Also derive AUM, tier and the other segment columns with these settings, as `npm run seed` does. */
  segmentWith?: Config;
}

/** The URL of database `name` on the server of `serverUrl`. */
export function benchDatabaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops database `name` if it exists and creates it empty. */
export async function recreateDatabase(serverUrl: string, name: string): Promise<string> {
  await asAdmin(serverUrl, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${identifier(name)} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${identifier(name)}`);
  });
  return benchDatabaseUrl(serverUrl, name);
}

/** A new database `name` (replacing any), migrated and seeded. */
export async function createSeededDatabase(
  serverUrl: string,
  name: string,
  settings: SeedSettings,
): Promise<BenchDatabase> {
  const url = await recreateDatabase(serverUrl, name);
  const ds = await openMigrated(url, settings.applicationName);
  try {
    let started = Date.now();
    await seedDatabase(ds, { customers: settings.customers, concurrency: 3 });
    console.log(`seeded ${settings.customers} customers in ${seconds(started)} s`);
    if (settings.segmentWith) {
      started = Date.now();
      await refreshSegments(ds, settings.segmentWith);
      await ds.query('VACUUM ANALYZE');
      console.log(`segmented them in ${seconds(started)} s`);
    }
  } catch (error) {
    await ds.destroy();
    throw error;
  }
  return { url, ds };
}

/**
 * Database `name` as a previous run left it when it holds exactly
 * `settings.customers` customers (migrations brought up to date), otherwise
 * created and seeded anew: seeding 100,000 customers takes minutes, and an
 * interrupted seed leaves fewer.
 */
export async function reuseOrCreateSeededDatabase(
  serverUrl: string,
  name: string,
  settings: SeedSettings,
): Promise<BenchDatabase> {
  const exists = await asAdmin(
    serverUrl,
    async (admin) => (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1,
  );
  if (exists) {
    const url = benchDatabaseUrl(serverUrl, name);
    const ds = await openMigrated(url, settings.applicationName);
    // Customers stored encrypted (issue 20): a database seeded before encryption is seeded again.
    const [{ count }] = await ds.query(`SELECT count(*)::int AS count FROM customer WHERE phone LIKE 'enc1:%'`);
    if (count === settings.customers) {
      console.log(`reusing ${name} (${count} customers)`);
      return { url, ds };
    }
    await ds.destroy();
  }
  return createSeededDatabase(serverUrl, name, settings);
}

async function openMigrated(url: string, applicationName: string): Promise<DataSource> {
  const ds = createDataSource(url, { poolSize: 4, applicationName });
  await ds.initialize();
  // Seeds and loads encrypt under the key the benchmarked gateways and `npm run ingest` are given.
  registerKeyring(ds, new Keyring(localMasterKeys(loadConfig({ MASTER_KEY: BENCH_MASTER_KEY }).encryption)));
  try {
    await runMigrations(ds);
  } catch (error) {
    await ds.destroy();
    throw error;
  }
  return ds;
}

/** `work` on a connection of its own to the server's maintenance database, closed after. */
export async function asAdmin<T>(serverUrl: string, work: (admin: Client) => Promise<T>): Promise<T> {
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

/** Bench database names are constants of the benches; refuse anything that would need quoting. */
function identifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  return name;
}

const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);
