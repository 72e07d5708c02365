import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config';
import { createDataSource } from '../../src/db/data-source';
import { startApp } from '../../src/server/app';
import { createTestDatabase } from './test-database';

export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions: Record<string, any> }[];
}

export interface TestApp {
  url: string;
  ds: DataSource;
  gql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

/** The real server on a fresh database, listening on a free loopback port. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const config = loadConfig({ NODE_ENV: 'test', PORT: '0', DATABASE_URL: db.url, DB_POOL_SIZE: '5', ...env });
  const ds = createDataSource(db.url, { poolSize: config.db.poolSize });
  await ds.initialize();
  const app = await startApp(config, ds);
  return {
    url: app.url,
    ds,
    async gql(query, variables, headers = {}) {
      const res = await fetch(app.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: any; errors?: any };
      return { status: res.status, headers: res.headers, data: body.data, errors: body.errors };
    },
    async close() {
      await app.stop();
      await ds.destroy();
      await db.drop();
    },
  };
}
