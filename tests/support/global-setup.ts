import 'reflect-metadata';
import { createDataSource } from '../../src/db/data-source';
import { runMigrations } from '../../src/db/migrate';
import { dropAbandonedDatabases, templateName, urlFor, withAdmin } from './test-database';

/** Migrates this run's template database once; test files clone it. */
export default async function globalSetup(): Promise<void> {
  const run = String(process.pid);
  process.env.C360_TEST_RUN = run;
  const template = templateName(run);
  await withAdmin(async (c) => {
    await dropAbandonedDatabases(c);
    await c.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${template}`);
  });
  const ds = createDataSource(urlFor(template), { poolSize: 2 });
  await ds.initialize();
  try {
    await runMigrations(ds);
  } finally {
    await ds.destroy();
  }
}
