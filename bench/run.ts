/**
 * `npm run bench` (issue 6): the gateway against the raw-SQL baseline.
 *   npm run bench -- [--customers 100000] [--seconds 10] [--connections 32] [--rounds 2] [--skip-build]
 * Seeds (once) a database per scale, builds and starts the gateway in
 * production mode and the baseline, each in its own process, checks that
 * both return the same JSON, then drives W1, W2 and W3 with autocannon from
 * this process over loopback (measuring, during W3, how long a write's
 * segment refresh takes to land), and writes bench/results/<customers>.{json,md}
 * plus bench/results/README.md, which also compares W1 across the scales run.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { Role, Scope } from '../src/auth/roles';
import { signToken } from '../src/auth/token-issuer';
import {
  BENCH_ANALYST_ID,
  BENCH_AUDIT_HASH_KEY,
  W1_CUSTOMER_360,
  W2_SEGMENT_PAGE,
  W3_RECORD_INTERACTION,
} from './workloads';
import { countGatewayStatements } from './statement-count';
import { RefreshDelay, RefreshDelayProbe } from './refresh-delay';

const ROOT = path.join(__dirname, '..');
const RESULTS = path.join(__dirname, 'results');
const SECRET = 'bench-secret-bench-secret-bench-secret-0123';
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface Measure {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function main() {
  const { values } = parseArgs({
    options: {
      customers: { type: 'string', default: '100000' },
      seconds: { type: 'string', default: '10' },
      connections: { type: 'string', default: '32' },
      rounds: { type: 'string', default: '3' },
      'skip-build': { type: 'boolean', default: false },
    },
  });
  const customers = Number(values.customers);
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const rounds = Number(values.rounds);

  const databaseUrl = await ensureDataSet(customers);
  if (!values['skip-build']) {
    console.log('building the gateway (npm run build)');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  }
  const samples = await pickSamples(databaseUrl);
  const statements = await countGatewayStatements(databaseUrl, samples, SECRET);

  const children: ChildProcess[] = [];
  process.on('exit', () => children.forEach((child) => child.kill('SIGTERM')));
  const gateway = await startGateway(databaseUrl);
  children.push(gateway.process);
  const baseline = await startBaseline(databaseUrl);
  children.push(baseline.process);
  try {
    const tokens = {
      rm: await signToken({ sub: samples.rmId, roles: [Role.RELATIONSHIP_MANAGER] }, SECRET, { expiresIn: '2h' }),
      analyst: await signToken({ sub: BENCH_ANALYST_ID, roles: [Role.MARKETING_ANALYST] }, SECRET, { expiresIn: '2h' }),
      partner: await signToken(
        { sub: 'bench-partner', roles: [Role.PARTNER], scopes: [Scope.INTERACTIONS_WRITE] },
        SECRET,
        { expiresIn: '2h' },
      ),
    };
    await checkSameAnswers(gateway.url, baseline.url, samples, tokens);
    await checkSameW3Answers(gateway.url, baseline.url, samples, tokens.partner);

    const w1 = (server: 'gateway' | 'baseline') => {
      let next = 0;
      return requestsOf(server === 'gateway' ? gateway.url : baseline.url, tokens.rm, () => {
        const id = samples.w1Ids[next++ % samples.w1Ids.length];
        return {
          operationName: 'Customer360',
          query: W1_CUSTOMER_360,
          variables: { id },
          extensions: { staffId: samples.rmId },
        };
      });
    };
    const w2 = (server: 'gateway' | 'baseline') =>
      requestsOf(server === 'gateway' ? gateway.url : baseline.url, tokens.analyst, () => ({
        operationName: 'SegmentPage',
        query: W2_SEGMENT_PAGE,
        variables: samples.w2,
      }));
    let nextPartnerCustomer = 0;
    const w3 = (server: 'gateway' | 'baseline') =>
      requestsOf(
        server === 'gateway' ? gateway.url : baseline.url,
        tokens.partner,
        () => w3Body(samples.partnerCustomerNos[nextPartnerCustomer++ % samples.partnerCustomerNos.length]),
        () => ({ 'idempotency-key': randomUUID() }),
      );
    const refreshProbe = await RefreshDelayProbe.open(databaseUrl, gateway.url, SECRET);

    const runs: Record<string, Measure[]> = {};
    const record = (name: string, measure: Measure) => {
      (runs[name] ??= []).push(measure);
      console.log(
        `  ${name.padEnd(14)} ${measure.rps.toFixed(0).padStart(6)} rps  p50 ${measure.p50} ms  p99 ${measure.p99} ms`,
      );
    };
    for (let round = 1; round <= rounds; round++) {
      console.log(`round ${round}/${rounds}: ${connections} connections, ${seconds} s each`);
      // Side by side, and which of the two goes first alternates by round, so drift and warmth hit both alike.
      const order = round % 2 === 1 ? (['gateway', 'baseline'] as const) : (['baseline', 'gateway'] as const);
      for (const server of order) record(`W1 ${server}`, await drive(w1(server), connections, seconds));
      for (const server of order) record(`W2 ${server}`, await drive(w2(server), connections, seconds));
      for (const server of order) {
        // Only the gateway refreshes segments; the probe measures it under W3's load.
        if (server === 'gateway') refreshProbe.start();
        record(`W3 ${server}`, await drive(w3(server), connections, seconds));
        if (server === 'gateway') await refreshProbe.stop();
      }
    }
    await refreshProbe.close();

    const report = {
      date: new Date().toISOString(),
      machine: machineSummary(),
      customers,
      connections,
      seconds,
      rounds,
      settings:
        'gateway: NODE_ENV=production, compiled (dist), graphql-jit executor, hot reads as prepared statements, ' +
        'privacy, audit, query limits and partner safelist on; ' +
        'rate limits raised to 1e9 per minute so the benchmark is not throttled; in-memory rate limits (no Redis); pool 10. ' +
        'Per request the gateway also checks the JWT (verified once per token, then remembered until it expires), ' +
        'counts the rate limit, logs a line and, for W1 (the RM reads phone, ' +
        'email, address, AUM and balances in full), commits an audit record: the baseline does none of these. ' +
        "baseline: one hand-written statement per request (prepared) for W1 and W2; for W3 the gateway's transaction " +
        'shape (idempotency claim, the insert with its audit record, the stored response; no segment refresh request), ' +
        'pool 10. SQL per request leaves out BEGIN and COMMIT. Each measurement follows a 5 s warm-up ' +
        'and a 2 s pause. Medians of the rounds; every round is in runs.',
      medians: Object.fromEntries(Object.entries(runs).map(([name, list]) => [name, median(list)])),
      runs,
      sqlStatementsPerRequest: { ...statements, 'W1 baseline': 1, 'W2 baseline': 1, 'W3 baseline': 3 },
      refreshDelay: refreshProbe.summary(),
      peakRssMb: { gateway: peakRssMb(gateway.process), baseline: peakRssMb(baseline.process) },
      ratios: {} as Record<string, { rps: number; p99: number }>,
    };
    for (const w of ['W1', 'W2', 'W3']) {
      const g = report.medians[`${w} gateway`];
      const b = report.medians[`${w} baseline`];
      report.ratios[w] = { rps: round2(g.rps / b.rps), p99: round2(g.p99 / b.p99) };
    }
    writeReport(report);
  } finally {
    gateway.process.kill('SIGTERM');
    baseline.process.kill('SIGTERM');
  }
}

/** A database per scale, seeded once and reused; reseeded if its size differs. */
async function ensureDataSet(customers: number): Promise<string> {
  const name = `c360_bench_${customers}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  if (!exists) await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();

  let count = -1;
  if (exists) {
    const db = new Client({ connectionString: url.toString() });
    await db.connect();
    count = await db
      .query<{ count: number }>('SELECT count(*)::int AS count FROM customer')
      .then((r) => r.rows[0].count)
      .catch(() => -1);
    await db.end();
  }
  if (count !== customers) {
    console.log(`seeding ${customers} customers into ${name} (once per scale)`);
    execFileSync(
      process.execPath,
      [
        '-r',
        '@swc-node/register',
        'scripts/seed.ts',
        '--customers',
        String(customers),
        ...(count > 0 ? ['--reset'] : []),
      ],
      { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'development', DATABASE_URL: url.toString() } },
    );
    const db = new Client({ connectionString: url.toString() });
    await db.connect();
    await db.query('VACUUM ANALYZE');
    await db.end();
  }
  return url.toString();
}

export interface Samples {
  rmId: string;
  w1Ids: string[];
  w2: { tier: string; tag: string };
  partnerCustomerNos: string[];
}

/** Who asks what: the busiest relationship manager's book, the biggest tier-and-tag segment, consenting customers. */
async function pickSamples(databaseUrl: string): Promise<Samples> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const [{ rm }] = (
      await db.query(
        `SELECT relationship_manager_id AS rm FROM customer WHERE relationship_manager_id IS NOT NULL
         GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
      )
    ).rows;
    const w1Ids = (
      await db.query(`SELECT id FROM customer WHERE relationship_manager_id = $1 ORDER BY md5(id::text) LIMIT 500`, [
        rm,
      ])
    ).rows.map((r) => r.id as string);
    const [segment] = (
      await db.query(
        `SELECT c.tier, t.code AS tag FROM customer c JOIN customer_tag ct ON ct.customer_id = c.id JOIN tag t ON t.id = ct.tag_id
         WHERE c.tier = 'WEALTH' GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1`,
      )
    ).rows;
    const partnerCustomerNos = (
      await db.query(
        `SELECT c.customer_no FROM customer c JOIN consent k ON k.customer_id = c.id
         WHERE k.purpose = 'PARTNER_SHARING' AND k.granted ORDER BY md5(c.id::text) LIMIT 500`,
      )
    ).rows.map((r) => r.customer_no as string);
    return { rmId: rm, w1Ids, w2: { tier: segment.tier, tag: segment.tag }, partnerCustomerNos };
  } finally {
    await db.end();
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitUntilUp(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}`);
    const up = await fetch(url).then(
      (res) => res.status === 200,
      () => false,
    );
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not come up`);
}

/** The compiled gateway as production runs it; its logs go to bench/results/gateway.log. */
async function startGateway(databaseUrl: string) {
  const port = await freePort();
  const log = openSync(path.join(RESULTS, 'gateway.log'), 'w');
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      JWT_SECRET: SECRET,
      AUDIT_HASH_KEY: BENCH_AUDIT_HASH_KEY,
      DB_POOL_SIZE: '10',
      RATE_LIMIT_STAFF: '1000000000',
      RATE_LIMIT_PARTNER: '1000000000',
      SHUTDOWN_DELAY_MS: '0',
    },
    stdio: ['ignore', log, log],
  });
  await waitUntilUp(`http://127.0.0.1:${port}/readyz`, child);
  return { url: `http://127.0.0.1:${port}/graphql`, process: child };
}

async function startBaseline(databaseUrl: string) {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'bench/baseline-server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, PORT: String(port), DB_POOL_SIZE: '10' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitUntilUp(`http://127.0.0.1:${port}/healthz`, child);
  return { url: `http://127.0.0.1:${port}/`, process: child };
}

type Body = Record<string, unknown>;

function requestsOf(url: string, token: string, body: () => Body, headers: () => Record<string, string> = () => ({})) {
  return { url, token, body, headers };
}

async function post(url: string, token: string, body: Body, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as { data?: unknown; errors?: unknown } };
}

/** Refuses to measure two servers that do not answer the same. */
async function checkSameAnswers(
  gatewayUrl: string,
  baselineUrl: string,
  samples: Samples,
  tokens: Record<string, string>,
) {
  const cases: [string, Body][] = [
    ...samples.w1Ids.slice(0, 5).map((id): [string, Body] => [
      tokens.rm,
      {
        operationName: 'Customer360',
        query: W1_CUSTOMER_360,
        variables: { id },
        extensions: { staffId: samples.rmId },
      },
    ]),
    [tokens.analyst, { operationName: 'SegmentPage', query: W2_SEGMENT_PAGE, variables: samples.w2 }],
  ];
  for (const [token, body] of cases) {
    const [g, b] = await Promise.all([post(gatewayUrl, token, body), post(baselineUrl, token, body)]);
    if (g.json.errors || JSON.stringify(g.json) !== JSON.stringify(b.json)) {
      writeFileSync(
        path.join(RESULTS, 'mismatch.tmp'),
        JSON.stringify({ body, gateway: g.json, baseline: b.json }, null, 2),
      );
      throw new Error(`${body.operationName}: the gateway and the baseline differ (bench/results/mismatch.tmp)`);
    }
  }
  console.log(`gateway and baseline return the same JSON for ${cases.length} requests`);
}

/** W3's input: a partner's inquiry about the customer, now. */
function w3Body(customerNo: string): Body {
  return {
    operationName: 'RecordInteraction',
    query: W3_RECORD_INTERACTION,
    variables: {
      input: {
        customerNo,
        channel: 'PARTNER',
        type: 'INQUIRY',
        occurredAt: new Date().toISOString(),
        summary: 'bench',
      },
    },
    // Whom the baseline writes for (it trusts this; the gateway takes the partner from the token).
    extensions: { partnerId: 'bench-partner' },
  };
}

/** W3 writes a new interaction each time: both servers must answer the same JSON but for its id, and replay it. */
async function checkSameW3Answers(gatewayUrl: string, baselineUrl: string, samples: Samples, partnerToken: string) {
  const body = w3Body(samples.partnerCustomerNos[0]);
  const answers = [];
  for (const url of [gatewayUrl, baselineUrl]) {
    const headers = { 'idempotency-key': randomUUID() };
    const first = await post(url, partnerToken, body, headers);
    const replay = await post(url, partnerToken, body, headers);
    if (JSON.stringify(replay.json) !== JSON.stringify(first.json)) {
      throw new Error(`RecordInteraction: ${url} does not replay its first answer`);
    }
    const receipt = (first.json.data as { recordInteraction?: { id?: unknown } } | undefined)?.recordInteraction;
    if (first.json.errors || typeof receipt?.id !== 'string') {
      throw new Error(`RecordInteraction: ${url} answered ${JSON.stringify(first.json)}`);
    }
    answers.push(JSON.stringify({ ...first.json, data: { recordInteraction: { ...receipt, id: 'ID' } } }));
  }
  if (answers[0] !== answers[1]) throw new Error(`RecordInteraction: the gateway and the baseline differ: ${answers}`);
  console.log('gateway and baseline answer RecordInteraction alike (and replay it under its key)');
}

async function drive(target: ReturnType<typeof requestsOf>, connections: number, seconds: number): Promise<Measure> {
  const options = {
    url: target.url,
    method: 'POST' as const,
    connections,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${target.token}` },
    requests: [
      {
        setupRequest: (request: autocannon.Request) => ({
          ...request,
          headers: { ...request.headers, ...target.headers() },
          body: JSON.stringify(target.body()),
        }),
      },
    ],
  };
  // Warm-up: JIT (a server switching workload re-optimises its hot paths), pools, plans.
  await autocannon({ ...options, duration: 5 });
  // autocannon drops the warm-up's in-flight requests, but the server still works through them: let it
  // finish, or the first requests measured queue behind up to `connections` abandoned ones (seen as a
  // W2 p99 three times the gateway's own logged p99).
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const result = await autocannon({ ...options, duration: seconds });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors + result.timeouts,
  };
}

function median(list: Measure[]): Measure {
  const mid = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const half = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;
  };
  return {
    rps: mid(list.map((m) => m.rps)),
    p50: mid(list.map((m) => m.p50)),
    p99: mid(list.map((m) => m.p99)),
    errors: list.reduce((sum, m) => sum + m.errors, 0),
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

function peakRssMb(child: ChildProcess): number | null {
  try {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
    return Math.round(kb / 1024);
  } catch {
    return null;
  }
}

function machineSummary(): string {
  const os = require('node:os') as typeof import('node:os');
  return `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

type Report = {
  date: string;
  machine: string;
  customers: number;
  connections: number;
  settings: string;
  medians: Record<string, Measure>;
  sqlStatementsPerRequest: Record<string, number>;
  /** Absent from reports written before issue 18. */
  refreshDelay?: RefreshDelay;
  peakRssMb: Record<string, number | null>;
  ratios: Record<string, { rps: number; p99: number }>;
};

function writeReport(report: Report) {
  writeFileSync(path.join(RESULTS, `${report.customers}.json`), JSON.stringify(report, null, 2) + '\n');
  const all = readdirSync(RESULTS)
    .filter((file) => /^\d+\.json$/.test(file))
    .map((file) => JSON.parse(readFileSync(path.join(RESULTS, file), 'utf8')) as Report)
    .sort((a, b) => a.customers - b.customers);
  const lines = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (bench/run.ts); one section per scale, newest run of each.',
    '',
  ];
  for (const r of all) {
    lines.push(`## ${r.customers.toLocaleString('en')} customers (${r.date.slice(0, 16)}Z)`, '');
    lines.push(`${r.machine}; ${r.connections} connections. ${r.settings}`, '');
    lines.push('| workload | rps | p50 ms | p99 ms | SQL / request | errors |', '|---|---|---|---|---|---|');
    for (const [name, m] of Object.entries(r.medians)) {
      lines.push(
        `| ${name} | ${m.rps.toFixed(0)} | ${m.p50} | ${m.p99} | ${r.sqlStatementsPerRequest[name] ?? ''} | ${m.errors} |`,
      );
    }
    lines.push('', '| ratio gateway / baseline | throughput | p99 latency |', '|---|---|---|');
    for (const [w, ratio] of Object.entries(r.ratios)) lines.push(`| ${w} | ${ratio.rps}× | ${ratio.p99}× |`);
    if (r.refreshDelay) {
      const d = r.refreshDelay;
      lines.push(
        '',
        `Segment refresh after a write (W3's load running; from the write's answer to its new lifecycle stage): ` +
          `median ${d.p50Ms} ms, max ${d.maxMs} ms over ${d.probes} probes, ${d.timedOut} not landed within 30 s.`,
      );
    }
    lines.push('', `Peak RSS: gateway ${r.peakRssMb.gateway} MB, baseline ${r.peakRssMb.baseline} MB.`, '');
  }
  if (all.length > 1) {
    lines.push(
      '## W1 across scales',
      '',
      '| customers | W1 gateway rps | p99 ms | W1 baseline rps | p99 ms |',
      '|---|---|---|---|---|',
    );
    for (const r of all) {
      const g = r.medians['W1 gateway'];
      const b = r.medians['W1 baseline'];
      lines.push(
        `| ${r.customers.toLocaleString('en')} | ${g.rps.toFixed(0)} | ${g.p99} | ${b.rps.toFixed(0)} | ${b.p99} |`,
      );
    }
    lines.push('');
  }
  const markdown = lines.join('\n');
  writeFileSync(path.join(RESULTS, 'README.md'), markdown);
  console.log(
    `\n${JSON.stringify({
      ratios: report.ratios,
      sqlStatementsPerRequest: report.sqlStatementsPerRequest,
      refreshDelay: report.refreshDelay,
    })}`,
  );
  console.log(`written: bench/results/${report.customers}.json, bench/results/README.md`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
