import { Client } from 'pg';
import { loadConfig } from '../../src/config';
import { Keyring, Queryable } from '../../src/privacy/encryption/keyring';
import { localMasterKeys } from '../../src/privacy/encryption/master-keys';
import { signToken, TokenClaims } from '../../src/auth/token-issuer';
import { createTestDatabase } from '../support/test-database';
import { staffId } from '../support/staff-ids';
import { startServerProcess, type ServerProcess } from '../support/server-process';

/**
 * The gateway as operators run it: `src/main.ts` in its own process, its
 * logs read from stdout, stopped with SIGTERM.
 */
const SECRET = 'process-test-secret-of-at-least-32-characters';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let server: ServerProcess;
let url: string;

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startServerProcess({
    DATABASE_URL: db.url,
    LOG_LEVEL: 'debug',
    DEMO_DATA: 'true',
    DEMO_CUSTOMERS: '40',
    JWT_SECRET: SECRET,
    SHUTDOWN_DELAY_MS: '1500',
  });
  url = server.url;
}, 60_000);

afterAll(async () => {
  if (server?.child.exitCode === null) server.child.kill('SIGKILL');
  await db.drop();
});

async function gql(query: string, variables: Record<string, unknown>, claims: TokenClaims) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${await signToken(claims, SECRET, { expiresIn: '5m' })}`,
    },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: any[] } };
}

const auditor = { sub: staffId('auditor-7'), roles: ['COMPLIANCE_AUDITOR'] };
const site = (route: string) => url.replace('/graphql', route);

async function withClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

it('answers the probes and exposes metrics', async () => {
  expect((await fetch(site('/healthz'))).status).toBe(200);
  expect((await fetch(site('/readyz'))).status).toBe(200);
  await gql('query Who { me { id } }', {}, auditor);
  // A caller without a token cannot name a series.
  await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"query":"{ me { id } }","operationName":"Junk"}',
  });
  const metrics = await (await fetch(site('/metrics'))).text();
  expect(metrics).not.toContain('Junk');
  expect(metrics).toMatch(/graphql_requests_total\{operation="unknown",outcome="UNAUTHENTICATED",status="401"\} \d+/);
  expect(metrics).toMatch(/graphql_requests_total\{operation="Who",outcome="success",status="200"\} \d+/);
  expect(metrics).toMatch(/graphql_request_duration_seconds_bucket\{le="[\d.]+",operation="Who",outcome="success"\}/);
  expect(metrics).toMatch(/db_pool_connections\{pool="primary",state="in_use"\} \d+/);
  expect(metrics).toMatch(/db_pool_connections\{pool="primary",state="waiting"\} \d+/);
});

it('logs each request with its id, operation, principal and duration, and no personal data', async () => {
  const seeded = await withClient(async (client) => {
    const { rows } = await client.query<{ customer_no: string; id_number: string; phone: string }>(
      'SELECT customer_no, id_number, phone FROM customer ORDER BY customer_no LIMIT 10',
    );
    // Stored encrypted: opened with the key file the server was started with (no MASTER_KEY: the local one).
    const keyring = new Keyring(localMasterKeys(loadConfig({ NODE_ENV: 'test' }).encryption));
    const db: Queryable = {
      query: async <T = any>(text: string, values?: unknown[]) => (await client.query(text, values)).rows as T,
    };
    return keyring.open(db, 'customer', rows, { id_number: 'id_number', phone: 'phone' });
  });
  expect(seeded).toHaveLength(10);
  // Full reads of identity fields, searches and inputs holding them, and refused inputs.
  const full = await gql(
    `query Book { customers(first: 10) { edges { node { customerNo name idNumber phone email } } } }`,
    {},
    auditor,
  );
  expect(full.body.data.customers.edges[0].node.idNumber).toBe(seeded[0].id_number);
  for (const { id_number, phone } of seeded.slice(0, 3)) {
    await gql(`query Find($s: String) { customers(filter: { search: $s }) { totalCount } }`, { s: id_number }, auditor);
    await gql(`query ByNo($n: String!) { customerByNumber(customerNo: $n) { id } }`, { n: phone }, auditor);
    await gql(
      `mutation Lead($input: RegisterLeadInput!) { registerLead(input: $input) { id } }`,
      { input: { name: '测试', phone, sourceChannel: 'PARTNER', externalRef: id_number, productInterest: id_number } },
      { sub: 'partner-9', roles: ['PARTNER'], scopes: ['leads:write'] },
    );
    await gql(`query Bad($id: ID!) { customer(id: $id) { id } }`, { id: id_number }, auditor);
  }

  await new Promise((resolve) => setTimeout(resolve, 200));
  for (const { id_number, phone } of seeded) {
    expect(server.output()).not.toContain(id_number);
    expect(server.output()).not.toContain(phone);
  }
  const requests = server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line))
    .filter((line) => line.msg === 'request');
  expect(requests.find((line) => line.operation === 'Book')).toMatchObject({
    requestId: expect.any(String),
    principalId: staffId('auditor-7'),
    status: 200,
    outcome: 'success',
    durationMs: expect.any(Number),
  });
  expect(requests.find((line) => line.operation === 'Bad')).toMatchObject({ outcome: 'BAD_USER_INPUT' });
});

it('on SIGTERM reports not ready, finishes the request in flight, then exits 0', async () => {
  const customerNo = await withClient(
    async (client) => (await client.query('SELECT customer_no FROM customer LIMIT 1')).rows[0].customer_no as string,
  );
  const lock = new Client({ connectionString: db.url });
  await lock.connect();
  await lock.query('BEGIN');
  await lock.query('LOCK TABLE customer IN ACCESS EXCLUSIVE MODE');
  const inFlight = gql(
    `query Slow($n: String!) { customerByNumber(customerNo: $n) { customerNo } }`,
    { n: customerNo },
    auditor,
  );
  await new Promise((resolve) => setTimeout(resolve, 300));

  server.child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect((await fetch(site('/readyz'))).status).toBe(503);

  await lock.query('ROLLBACK');
  await lock.end();
  const answered = await inFlight;
  expect(answered.status).toBe(200);
  expect(answered.body.data.customerByNumber.customerNo).toBe(customerNo);
  expect(await server.exited).toBe(0);
  await expect(fetch(site('/healthz'))).rejects.toThrow();
  expect(server.output()).toContain('"msg":"stopped"');
});
