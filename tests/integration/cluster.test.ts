import http from 'node:http';
import { Client } from 'pg';
import { signToken } from '../../src/auth/token-issuer';
import { createTestDatabase } from '../support/test-database';
import { staffId } from '../support/staff-ids';
import { startServerProcess, type ServerProcess } from '../support/server-process';

/**
 * The gateway as a cluster of two worker processes (GATEWAY_PROCESSES=2,
 * node:cluster): `src/main.ts` in a process of its own, which forks the
 * workers. Every request below opens a connection of its own, so that the
 * primary hands them to the workers in turn (a kept-alive connection stays
 * with one worker).
 */
const SECRET = 'cluster-test-secret-of-at-least-32-characters';
/** Two workers, each compiling the sources as it starts, on a busy machine. */
const START_MS = 180_000;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let server: ServerProcess;

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startServerProcess(
    {
      DATABASE_URL: db.url,
      GATEWAY_PROCESSES: '2',
      LOG_LEVEL: 'info',
      DEMO_DATA: 'true',
      DEMO_CUSTOMERS: '10',
      JWT_SECRET: SECRET,
      SHUTDOWN_DELAY_MS: '1000',
    },
    START_MS,
  );
}, START_MS + 30_000);

afterAll(async () => {
  if (server?.child.exitCode === null) server.child.kill('SIGKILL');
  await db.drop();
});

const site = (route: string) => server.url.replace('/graphql', route);

/** One request on a connection of its own. */
function request(
  url: string,
  { body, token }: { body?: object; token?: string } = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: body ? 'POST' : 'GET',
        agent: false,
        headers: {
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      },
    );
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

const auditorToken = () =>
  signToken({ sub: staffId('auditor-3'), roles: ['COMPLIANCE_AUDITOR'] }, SECRET, { expiresIn: '5m' });

function logLines(): Record<string, any>[] {
  return server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

it('serves GraphQL from both workers, and /metrics on either counts the requests of both', async () => {
  const token = await auditorToken();
  const answers = [];
  for (let i = 0; i < 12; i++)
    answers.push(await request(server.url, { token, body: { query: 'query Who { me { id } }' } }));
  for (const answer of answers) {
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ data: { me: { id: staffId('auditor-3') } } });
  }

  await new Promise((resolve) => setTimeout(resolve, 300));
  const servedBy = logLines()
    .filter((line) => line.msg === 'request' && line.operation === 'Who')
    .map((line) => line.worker);
  expect(servedBy).toHaveLength(12);
  expect(new Set(servedBy)).toEqual(new Set([1, 2]));

  // Scrapes land on the workers in turn: each answers for the whole cluster.
  for (let i = 0; i < 4; i++) {
    const scrape = await request(site('/metrics'));
    expect(scrape.status).toBe(200);
    expect(scrape.text).toContain('graphql_requests_total{operation="Who",outcome="success",status="200"} 12\n');
    expect(scrape.text).toMatch(/graphql_request_duration_seconds_count\{operation="Who",outcome="success"\} 12\n/);
  }
});

it('on SIGTERM every worker drains: the request in flight is answered, then the primary exits 0', async () => {
  const token = await auditorToken();
  const lock = new Client({ connectionString: db.url });
  await lock.connect();
  const [{ customer_no }] = (await lock.query('SELECT customer_no FROM customer LIMIT 1')).rows;
  await lock.query('BEGIN');
  await lock.query('LOCK TABLE customer IN ACCESS EXCLUSIVE MODE');
  const inFlight = request(server.url, {
    token,
    body: {
      query: 'query Slow($n: String!) { customerByNumber(customerNo: $n) { customerNo } }',
      variables: { n: customer_no },
    },
  });
  await new Promise((resolve) => setTimeout(resolve, 500));

  server.child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 300));
  // Within the drain delay the workers still answer, not ready.
  expect((await request(site('/readyz'))).status).toBe(503);

  await lock.query('ROLLBACK');
  await lock.end();
  const answered = await inFlight;
  expect(answered.status).toBe(200);
  expect(JSON.parse(answered.text).data.customerByNumber.customerNo).toBe(customer_no);
  expect(await server.exited).toBe(0);
  const lines = logLines();
  for (const worker of [1, 2]) {
    expect(lines).toContainEqual(expect.objectContaining({ worker, msg: 'stopped' }));
    expect(lines).toContainEqual(
      expect.objectContaining({ worker, code: 0, msg: `worker ${worker} stopped (exit code 0)` }),
    );
  }
  expect(lines.at(-1)).toMatchObject({ msg: 'stopped' });
  expect(lines.at(-1)).not.toHaveProperty('worker');
}, 60_000);
