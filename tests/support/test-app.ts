import { DataSource } from 'typeorm';
import { signToken, TokenClaims } from '../../src/auth/token-issuer';
import { Role } from '../../src/auth/roles';
import { loadConfig } from '../../src/config';
import { createDataSource } from '../../src/db/data-source';
import { startApp } from '../../src/server/app';
import { EnrollmentRunner, startEnrollmentRunner } from '../../src/jobs/enrollment-runs';
import type { PrivacyPolicy } from '../../src/privacy/privacy-policy';
import { Factory } from './factories';
import { createTestDatabase } from './test-database';
import { staffId } from './staff-ids';

export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions: Record<string, any> }[];
}

export interface RequestOptions {
  /** Whose token to send; null sends none. Default: a compliance auditor, who reads everything in full. */
  as?: TokenClaims | null;
  headers?: Record<string, string>;
}

export const AUDITOR: TokenClaims = { sub: staffId('test-auditor'), roles: [Role.COMPLIANCE_AUDITOR] };

export interface TestApp {
  url: string;
  ds: DataSource;
  /** The test database, reached directly (not through `connectVia`). */
  databaseUrl: string;
  gql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    options?: RequestOptions,
  ): Promise<GraphQLResponse<T>>;
  token(claims: TokenClaims): Promise<string>;
  close(): Promise<void>;
}

/**
 * The real server on a fresh database, listening on a free loopback port.
 * `connectVia` lets a test put something (a proxy it can cut) between the server and PostgreSQL.
 */
export interface TestAppOptions {
  connectVia?: (url: string) => Promise<string>;
  privacyPolicy?: () => PrivacyPolicy;
  /** Run enrolment runs in the app's process, as a server does (src/server/background.ts). Default: no runner. */
  enrollmentRuns?: boolean;
  /** A second server on this app's database (another configuration, the same data), which its close leaves in place. */
  beside?: Pick<TestApp, 'databaseUrl'>;
}

export async function startTestApp(
  env: Record<string, string> = {},
  { connectVia = async (url: string) => url, privacyPolicy, enrollmentRuns = false, beside }: TestAppOptions = {},
): Promise<TestApp> {
  const db = beside ? { url: beside.databaseUrl, drop: async () => undefined } : await createTestDatabase();
  const url = await connectVia(db.url);
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    DATABASE_URL: url,
    DB_POOL_SIZE: '5',
    // A run starts within a poll: tests wait for it.
    ENROLLMENT_JOB_POLL_MS: '25',
    ENROLLMENT_JOB_CONNECTIONS: '2',
    // `npm test` runs the integration tests on each executor.
    ...(process.env.GRAPHQL_EXECUTOR ? { GRAPHQL_EXECUTOR: process.env.GRAPHQL_EXECUTOR } : {}),
    ...env,
  });
  const ds = createDataSource(url, {
    poolSize: config.db.poolSize,
    statementTimeoutMs: config.db.statementTimeoutMs,
    acquireTimeoutMs: config.db.acquireTimeoutMs,
    preparedStatements: config.db.preparedStatements,
  });
  await ds.initialize();
  const app = await startApp(config, ds, ds, { privacyPolicy });
  const runner: EnrollmentRunner | undefined = enrollmentRuns
    ? startEnrollmentRunner(
        config,
        ds,
        process.env.W4_DEBUG ? { info: console.log, error: console.error } : { info() {}, error() {} },
      )
    : undefined;
  const token = (claims: TokenClaims) => signToken(claims, config.auth.secret!, { expiresIn: '5m' });
  return {
    url: app.url,
    ds,
    databaseUrl: db.url,
    token,
    async gql(query, variables, { as = AUDITOR, headers = {} } = {}) {
      const authorization: Record<string, string> = as ? { authorization: `Bearer ${await token(as)}` } : {};
      const res = await fetch(app.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...authorization, ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: any; errors?: any };
      return { status: res.status, headers: res.headers, data: body.data, errors: body.errors };
    },
    async close() {
      await app.stop();
      await runner?.stop();
      await ds.destroy();
      await db.drop();
    },
  };
}

/**
 * The real server for one test file: started before its tests, closed after.
 * The returned app and factory can be used at the top of the file; they reach
 * the server once it has started.
 */
export function useTestApp(
  env: Record<string, string> = {},
  options: TestAppOptions = {},
): { app: TestApp; make: Factory } {
  let started: TestApp | undefined;
  const current = () => {
    if (!started) throw new Error('The test app starts in beforeAll; use it inside tests and hooks');
    return started;
  };
  beforeAll(async () => {
    started = await startTestApp(env, options);
  });
  afterAll(() => started?.close());
  const app: TestApp = {
    get url() {
      return current().url;
    },
    get ds() {
      return current().ds;
    },
    get databaseUrl() {
      return current().databaseUrl;
    },
    gql: (query, variables, options) => current().gql(query, variables, options),
    token: (claims) => current().token(claims),
    close: () => current().close(),
  };
  return { app, make: new Factory(() => app.ds) };
}
