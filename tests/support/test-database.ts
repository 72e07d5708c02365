import { Client } from 'pg';

/**
 * Tests run against a real PostgreSQL. TEST_DATABASE_URL names a server and a
 * maintenance database to connect to; each test file gets a database of its
 * own, cloned from a template that global setup migrates once per run, so
 * files run in parallel without sharing rows. Names carry the pid of the run,
 * so two runs on one server (a developer's and CI's) never touch each other's.
 */
export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PREFIX = 'c360_test_';

/** Set by global setup and inherited by the jest workers. */
export function runId(): string {
  const id = process.env.C360_TEST_RUN;
  if (!id) throw new Error('C360_TEST_RUN is not set: run the tests through jest (global setup sets it)');
  return id;
}

export const templateName = (run: string) => `${PREFIX}${run}_template`;

export function urlFor(database: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Drops the databases of runs whose process is gone (a run killed before its teardown). */
export async function dropAbandonedDatabases(client: Client): Promise<void> {
  const { rows } = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
    `${PREFIX}%`,
  ]);
  for (const { datname } of rows) {
    const pid = Number(/^c360_test_(\d+)_/.exec(datname)?.[1]);
    if (pid && !isRunning(pid)) await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let counter = 0;

/** A fresh, migrated, empty database for one test file. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const run = runId();
  const name = `${PREFIX}${run}_${process.pid}_${++counter}`;
  await withAdmin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${templateName(run)}`));
  return {
    url: urlFor(name),
    drop: () => withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
