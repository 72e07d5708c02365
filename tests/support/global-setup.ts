import 'reflect-metadata';
import { createDataSource } from '../../src/db/data-source';
import { runMigrations } from '../../src/db/migrate';
import { TEMPLATE_DB, TEST_DB_PREFIX, urlFor, withAdmin } from './test-database';

/** Migrates the template database once per run; test files clone it. */
export default async function globalSetup(): Promise<void> {
  await withAdmin(async (c) => {
    const leftovers = await c.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${TEST_DB_PREFIX}%`]);
    for (const { datname } of leftovers.rows) await c.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    await c.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  });
  const ds = createDataSource(urlFor(TEMPLATE_DB), { poolSize: 2 });
  await ds.initialize();
  try {
    await runMigrations(ds);
  } finally {
    await ds.destroy();
  }
}
