/**
 * `npm run bench` (issues 6 and 18): the gateway against the honest limit.
 *   npm run bench -- [--customers 100000] [--seconds 10] [--connections 32] [--rounds 3]
 *     [--workloads W1,W2,W3] [--skip-build] [--skip-statement-count] [--database-prefix c360_bench]
 *     [--variant 'LABEL=DIR [node flags]' ...] [--gateway-processes N[,M...]] [--cpu-prof DIR] [--out FILE]
 * Seeds (once) a template database per scale and copies it for every run, so
 * each run starts from the same data; builds and starts the gateway in
 * production mode and two raw servers (baseline-server.ts: PostgreSQL
 * building the JSON, and plain rows with the JSON built in Node), each in its
 * own process; checks that all three return the same parsed JSON and write
 * the same read audit; then drives W1, W2 and W3 with autocannon from this
 * process over loopback (measuring, during W3, how long a write's segment
 * refresh takes to land). The limit for W1 and W2 is the faster raw server
 * of the same run. Writes bench/results/<customers>.json and
 * bench/results/README.md, or only --out when given (for partial runs:
 * profiles, levers). --variant adds another compiled gateway (DIR holds its
 * dist/, inside this checkout so that node_modules resolve) measured in the
 * same rounds; --cpu-prof writes the gateway's V8 CPU profile into DIR.
 * --gateway-processes runs the gateway as a cluster of N worker processes
 * (GATEWAY_PROCESSES, with Redis for the shared rate limits when N > 1); a
 * list (1,2) adds a gateway per further count, measured in the same rounds.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { openSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { Client } from 'pg';
import { Role, Scope } from '../src/auth/roles';
import { signToken } from '../src/auth/token-issuer';
import {
  BENCH_ANALYST_ID,
  BENCH_AUDIT_HASH_KEY,
  BENCH_MASTER_KEY,
  benchAuditSigningKeyFile,
  W1_CUSTOMER_360,
  W2_SEGMENT_PAGE,
  W3_RECORD_INTERACTION,
} from './workloads';
import { countGatewayStatements } from './statement-count';
import { RefreshDelayProbe } from './refresh-delay';
import { median, Measure, Meter, processTree, Target } from './measure';
import { Limit, Report, RESULTS, writeReport } from './report';

const ROOT = path.join(__dirname, '..');
const SECRET = 'bench-secret-bench-secret-bench-secret-0123';
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The two raw servers; the faster answers for the limit. W3's baseline is the first. */
const BASELINES = ['baseline pg-json', 'baseline node-json'] as const;
const BASELINE_JSON: Record<(typeof BASELINES)[number], string> = {
  'baseline pg-json': 'postgres',
  'baseline node-json': 'node',
};

interface Server {
  name: string;
  url: string;
  process: ChildProcess;
  spawnedAt: number;
}

async function main() {
  const startedAt = Date.now();
  const { values } = parseArgs({
    options: {
      customers: { type: 'string', default: '100000' },
      seconds: { type: 'string', default: '10' },
      connections: { type: 'string', default: '32' },
      rounds: { type: 'string', default: '3' },
      workloads: { type: 'string', default: 'W1,W2,W3' },
      'database-prefix': { type: 'string', default: 'c360_bench' },
      'skip-build': { type: 'boolean', default: false },
      'skip-statement-count': { type: 'boolean', default: false },
      variant: { type: 'string', multiple: true, default: [] },
      'gateway-processes': { type: 'string', default: '1' },
      'cpu-prof': { type: 'string' },
      out: { type: 'string' },
    },
  });
  const customers = Number(values.customers);
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const rounds = Number(values.rounds);
  const workloads = new Set(values.workloads!.split(','));
  const processCounts = values['gateway-processes']!.split(',').map(Number);
  if (processCounts.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error('--gateway-processes takes whole numbers of at least 1, comma-separated');

  const data = await ensureDataSet(values['database-prefix']!, customers);
  if (!values['skip-build']) {
    console.log('building the gateway (npm run build)');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  }
  const samples = await pickSamples(data.url);
  const statements = values['skip-statement-count'] ? {} : await countGatewayStatements(data.url, samples, SECRET);

  const servers: Server[] = [];
  process.on('exit', () => servers.forEach((s) => s.process.kill('SIGTERM')));
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    const [processes, ...moreCounts] = processCounts;
    servers.push(await startGateway('gateway', ROOT, data.url, processes, values['cpu-prof']));
    for (const count of moreCounts)
      servers.push(await startGateway(`gateway ${count} processes`, ROOT, data.url, count));
    for (const variant of values.variant!) {
      // 'LABEL=DIR' or 'LABEL=DIR --node-flag ...': the same build under other V8 flags is a variant too.
      const [label, spec] = [variant.slice(0, variant.indexOf('=')), variant.slice(variant.indexOf('=') + 1)];
      const [dir, ...nodeFlags] = spec.trim().split(/\s+/);
      servers.push(
        await startGateway(`gateway ${label}`, path.resolve(dir), data.url, processes, undefined, nodeFlags),
      );
    }
    for (const name of BASELINES) servers.push(await startBaseline(name, data.url));
    const gateway = servers[0];
    const byName = (name: string) => servers.find((s) => s.name === name)!;

    const tokens = {
      rm: await signToken({ sub: samples.rmId, roles: [Role.RELATIONSHIP_MANAGER] }, SECRET, { expiresIn: '2h' }),
      analyst: await signToken({ sub: BENCH_ANALYST_ID, roles: [Role.MARKETING_ANALYST] }, SECRET, { expiresIn: '2h' }),
      partner: await signToken(
        { sub: 'bench-partner', roles: [Role.PARTNER], scopes: [Scope.INTERACTIONS_WRITE] },
        SECRET,
        { expiresIn: '2h' },
      ),
    };
    await checkSameAnswers(data.url, servers, samples, tokens);
    if (workloads.has('W3')) await checkSameW3Answers(gateway.url, byName(BASELINES[0]).url, samples, tokens.partner);

    let nextW1 = 0;
    let nextPartnerCustomer = 0;
    const targets: Record<string, (url: string) => Target> = {
      W1: (url) => ({
        url,
        token: tokens.rm,
        body: () => w1Body(samples.w1Ids[nextW1++ % samples.w1Ids.length], samples.rmId),
        headers: () => ({}),
      }),
      W2: (url) => ({
        url,
        token: tokens.analyst,
        body: () => ({ operationName: 'SegmentPage', query: W2_SEGMENT_PAGE, variables: samples.w2 }),
        headers: () => ({}),
      }),
      W3: (url) => ({
        url,
        token: tokens.partner,
        body: () => w3Body(samples.partnerCustomerNos[nextPartnerCustomer++ % samples.partnerCustomerNos.length]),
        headers: () => ({ 'idempotency-key': randomUUID() }),
      }),
    };
    // W3 is measured on the gateways and its one raw server.
    const serversOf = (w: string) => (w === 'W3' ? servers.filter((s) => s.name !== BASELINES[1]) : servers);
    const refreshProbe = workloads.has('W3') ? await RefreshDelayProbe.open(data.url, gateway.url, SECRET) : undefined;
    const meter = await Meter.open(admin, data.name);

    const runs: Record<string, Measure[]> = {};
    for (let round = 1; round <= rounds; round++) {
      console.log(`round ${round}/${rounds}: ${connections} connections, ${seconds} s each`);
      for (const w of ['W1', 'W2', 'W3'].filter((x) => workloads.has(x))) {
        // Side by side, and which server goes first rotates by round, so drift and warmth hit all alike.
        const list = serversOf(w);
        const order = list.map((_, i) => list[(i + round - 1) % list.length]);
        for (const server of order) {
          // Only the gateway refreshes segments; the probe measures it under W3's load.
          const probing = w === 'W3' && server === gateway && refreshProbe;
          if (probing) refreshProbe.start();
          const measure = await meter.drive(targets[w](server.url), server.process.pid!, connections, seconds);
          if (probing) await refreshProbe.stop();
          if (values['cpu-prof'] && server === gateway) {
            // The measured seconds, as offsets into the profile (which starts with the process): fold-profile --window.
            const end = (Date.now() - gateway.spawnedAt) / 1000;
            console.log(`  profile window of ${w}: ${(end - seconds).toFixed(1)}-${end.toFixed(1)}`);
          }
          const name = `${w} ${server.name}`;
          (runs[name] ??= []).push(measure);
          console.log(
            `  ${name.padEnd(24)} ${measure.rps.toFixed(0).padStart(6)} rps  p50 ${measure.p50} ms  p99 ${measure.p99} ms` +
              `  errors ${measure.errors}  server ${measure.serverCpuMs} ms/req  pg ${measure.postgresCpuMs} ms/req` +
              `  bench ${measure.benchCpuCores} cores  load ${measure.loadAverage}`,
          );
        }
      }
    }
    await refreshProbe?.close();

    const medians = Object.fromEntries(Object.entries(runs).map(([name, list]) => [name, median(list)]));
    const limits: Record<string, Limit> = {};
    const ratios: Record<string, { rps: number; p99: number }> = {};
    for (const w of ['W1', 'W2', 'W3'].filter((x) => workloads.has(x))) {
      const raw = (w === 'W3' ? [BASELINES[0]] : BASELINES).map((name) => ({ name, m: medians[`${w} ${name}`] }));
      const fastest = raw.reduce((a, b) => (b.m.rps > a.m.rps ? b : a));
      limits[w] = { server: fastest.name, rps: fastest.m.rps, p99: fastest.m.p99 };
      for (const server of servers.filter((s) => s.name.startsWith('gateway'))) {
        const g = medians[`${w} ${server.name}`];
        const key = server === gateway ? w : `${w} ${server.name}`;
        ratios[key] = { rps: round2(g.rps / fastest.m.rps), p99: round2(g.p99 / fastest.m.p99) };
      }
    }
    const report: Report = {
      date: new Date().toISOString(),
      machine: machineSummary(),
      customers,
      connections,
      seconds,
      rounds,
      settings: SETTINGS + processesSetting(processCounts),
      medians,
      limits,
      ratios,
      runs,
      sqlStatementsPerRequest: {
        ...statements,
        'W1 baseline pg-json': 2,
        'W1 baseline node-json': 7,
        'W2 baseline pg-json': 1,
        'W2 baseline node-json': 3,
        'W3 baseline pg-json': 3,
      },
      refreshDelay: refreshProbe?.summary(),
      peakRssMb: Object.fromEntries(servers.map((s) => [s.name, peakRssMb(s.process)])),
      runMinutes: Math.round((Date.now() - startedAt) / 6000) / 10,
    };
    if (values.out) {
      writeFileSync(values.out, JSON.stringify(report, null, 2) + '\n');
      console.log(`\n${JSON.stringify({ limits, ratios })}\nwritten: ${values.out}`);
    } else writeReport(report);
  } finally {
    await Promise.all(servers.map((s) => stop(s.process)));
    await admin.end();
  }
}

const SETTINGS =
  'gateway: NODE_ENV=production, compiled (dist), graphql-jit executor, hot reads as prepared statements, ' +
  'privacy, audit, query limits and partner safelist on; ' +
  'rate limits raised to 1e9 per minute so the benchmark is not throttled; in-memory rate limits (no Redis); pool 10. ' +
  'Per request the gateway also checks the JWT (verified once per token, then remembered until it expires), ' +
  'counts the rate limit and logs a line. ' +
  'Two raw servers (bench/baseline-server.ts, pool 10, no GraphQL, no authentication, no rate limit, no log): ' +
  'pg-json answers W1 and W2 with one prepared statement each, PostgreSQL building the JSON; node-json reads plain ' +
  'rows (W1: six statements in parallel; W2: the page, then tags and holdings in parallel) and builds the JSON ' +
  'in Node. For W1 (the relationship manager reads phone, email, address, AUM and balances in full) both commit ' +
  "the same read-audit record as the gateway before answering, through the gateway's group-commit writer " +
  '(so SQL per request counts the audit insert, which a busy server shares between requests). ' +
  'The honest limit of W1 and W2 is the faster raw server of the run. ' +
  "W3's raw server runs the gateway's transaction shape (idempotency claim, the insert with its audit record, " +
  'the stored response; no segment refresh request). SQL per request leaves out BEGIN and COMMIT. ' +
  'Every run starts from a fresh copy of the seeded template database. Each measurement follows a 5 s warm-up ' +
  'and a 2 s pause. A 200 carrying GraphQL errors counts as an error. Medians of the rounds; every round is in runs. ' +
  'CPU per request: the server process (with its worker processes), and the PostgreSQL backends connected to the run database; ' +
  'load generator: autocannon in the bench process.';

/** What the settings text adds about the gateway's worker processes. */
function processesSetting(counts: number[]): string {
  const label = (n: number, i: number) => (i === 0 ? `gateway` : `gateway ${n} processes`);
  const clusters = counts.map((n, i) => [n, label(n, i)] as const).filter(([n]) => n > 1);
  if (clusters.length === 0) return ' The gateway runs as one process.';
  return (
    ' ' +
    clusters
      .map(
        ([n, name]) =>
          `"${name}": a cluster of ${n} worker processes (GATEWAY_PROCESSES=${n}, node:cluster sharing the port, ` +
          `pool ${GATEWAY_POOL_SIZE} each), rate limits and persisted queries in Redis (REDIS_URL ${CLUSTER_REDIS_URL}, ` +
          'one Redis round trip per request for the rate limit); its CPU per request sums the primary and its workers.',
      )
      .join(' ') +
    (counts[0] === 1 ? ' "gateway" runs as one process.' : '')
  );
}

/**
 * The seeded template of a scale, `<prefix>_<customers>` (seeded once, reseeded if its size differs, never
 * served), and the run's own copy of it, `<prefix>_<customers>_run`, made afresh: W3 and the refresh probe
 * write, so without a copy each run would read the data the last one left.
 */
async function ensureDataSet(prefix: string, customers: number): Promise<{ name: string; url: string }> {
  const template = `${prefix}_${customers}`;
  const name = `${template}_run`;
  if (!/^[a-z_][a-z0-9_]*$/.test(template)) throw new Error(`not a plain database name: ${template}`);
  const urlOf = (db: string) => {
    const url = new URL(ADMIN_URL);
    url.pathname = `/${db}`;
    return url.toString();
  };
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template])).rowCount === 1;
    if (!exists) await admin.query(`CREATE DATABASE ${template}`);
    let count = -1;
    if (exists) {
      const db = new Client({ connectionString: urlOf(template) });
      await db.connect();
      count = await db
        .query<{ count: number }>(
          // Customers stored encrypted (issue 20): a template seeded before encryption is seeded again.
          `SELECT count(*)::int AS count FROM customer WHERE phone LIKE 'enc1:%'`,
        )
        .then((r) => r.rows[0].count)
        .catch(() => -1);
      await db.end();
    }
    if (count !== customers) {
      console.log(`seeding ${customers} customers into ${template} (once per scale)`);
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
        {
          cwd: ROOT,
          stdio: 'inherit',
          env: { ...process.env, NODE_ENV: 'development', MASTER_KEY: BENCH_MASTER_KEY, DATABASE_URL: urlOf(template) },
        },
      );
      const db = new Client({ connectionString: urlOf(template) });
      await db.connect();
      await db.query('VACUUM ANALYZE');
      await db.end();
    }
    const started = Date.now();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    // FILE_COPY copies the files after a checkpoint; WAL_LOG would write the whole database to the WAL.
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template} STRATEGY FILE_COPY`);
    console.log(`${name}: a fresh copy of ${template} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await admin.end();
  }
  // The gateway applies any newer migration to the copy when it starts; the template stays as seeded.
  return { name, url: urlOf(name) };
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

const GATEWAY_POOL_SIZE = 10;
/** Where a gateway of several processes keeps its rate limits (production refuses a cluster without one). */
const CLUSTER_REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A compiled gateway (`dir`/dist) as production runs it, as `processes` worker processes (1: no cluster); its logs
 * go to bench/results/<name>.log.
 */
async function startGateway(
  name: string,
  dir: string,
  databaseUrl: string,
  processes: number,
  cpuProfDir?: string,
  nodeFlags: string[] = [],
): Promise<Server> {
  const port = await freePort();
  const logFile = path.join(RESULTS, `${name.replace(/\W+/g, '-')}.log`);
  const log = openSync(logFile, 'w');
  const profile = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(cpuProfDir)}`] : [];
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, [...nodeFlags, ...profile, 'dist/src/main.js'], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      MASTER_KEY: BENCH_MASTER_KEY,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      JWT_SECRET: SECRET,
      AUDIT_HASH_KEY: BENCH_AUDIT_HASH_KEY,
      AUDIT_SIGNING_KEY_FILE: benchAuditSigningKeyFile(),
      DB_POOL_SIZE: String(GATEWAY_POOL_SIZE),
      GATEWAY_PROCESSES: String(processes),
      ...(processes > 1 ? { REDIS_URL: CLUSTER_REDIS_URL } : {}),
      RATE_LIMIT_STAFF: '1000000000',
      RATE_LIMIT_PARTNER: '1000000000',
      SHUTDOWN_DELAY_MS: '0',
      // Shadow mode's cost (issue 20): the same runs with a candidate policy evaluated beside the live one.
      ...(process.env.PRIVACY_SHADOW_POLICY
        ? { PRIVACY_SHADOW_POLICY: path.resolve(process.env.PRIVACY_SHADOW_POLICY) }
        : {}),
    },
    stdio: ['ignore', log, log],
  });
  await waitUntilUp(`http://127.0.0.1:${port}/readyz`, child);
  // One worker answers /readyz as soon as it listens; the instance is ready once its ready line is out.
  for (let i = 0; !readFileSync(logFile, 'utf8').includes('Gateway ready at'); i++) {
    if (i === 600 || child.exitCode !== null) throw new Error(`${name} did not get ready (${logFile})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { name, url: `http://127.0.0.1:${port}/graphql`, process: child, spawnedAt };
}

async function startBaseline(name: (typeof BASELINES)[number], databaseUrl: string): Promise<Server> {
  const port = await freePort();
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'bench/baseline-server.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      DB_POOL_SIZE: String(GATEWAY_POOL_SIZE),
      BASELINE_JSON: BASELINE_JSON[name],
      // The raw baselines decrypt in Node what the gateway decrypts: the same work for the same answer.
      MASTER_KEY: BENCH_MASTER_KEY,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitUntilUp(`http://127.0.0.1:${port}/healthz`, child);
  return { name, url: `http://127.0.0.1:${port}/`, process: child, spawnedAt };
}

/** SIGTERM, then wait for the exit (a profiled gateway writes its profile as it exits). */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

type Body = Record<string, unknown>;

async function post(url: string, token: string, body: Body, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as { data?: unknown; errors?: unknown } };
}

function w1Body(id: string, staffId: string): Body {
  return {
    operationName: 'Customer360',
    query: W1_CUSTOMER_360,
    variables: { id },
    // Whom the raw servers answer for (they trust it; the gateway takes the caller from the token).
    extensions: { staffId },
  };
}

/** The read-audit records written since `after`, as comparable across servers (no ids, times or request ids). */
async function auditSince(db: Client, after: string) {
  const { rows } = await db.query(
    `SELECT actor_id, actor_roles, customer_id, fields, operation, operation_name, detail FROM audit_record
     WHERE id > $1 ORDER BY id`,
    [after],
  );
  return rows;
}

/** Refuses to measure servers that do not answer the same parsed JSON, or do not write the same read audit. */
async function checkSameAnswers(
  databaseUrl: string,
  servers: Server[],
  samples: Samples,
  tokens: Record<string, string>,
) {
  const cases: [string, Body][] = [
    ...samples.w1Ids.slice(0, 5).map((id): [string, Body] => [tokens.rm, w1Body(id, samples.rmId)]),
    [tokens.analyst, { operationName: 'SegmentPage', query: W2_SEGMENT_PAGE, variables: samples.w2 }],
  ];
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    for (const [token, body] of cases) {
      const answers = [];
      for (const server of servers) {
        // One server at a time, so that the audit records written belong to it.
        const [{ last }] = (await db.query(`SELECT coalesce(max(id), 0)::text AS last FROM audit_record`)).rows;
        const answer = await post(server.url, token, body);
        answers.push({ server: server.name, ...answer, audit: await auditSince(db, last) });
      }
      const [gateway, ...others] = answers;
      const differs = others.find(
        (other) => !isDeepStrictEqual(other.json, gateway.json) || !isDeepStrictEqual(other.audit, gateway.audit),
      );
      if (gateway.json.errors || gateway.status !== 200 || differs) {
        writeFileSync(path.join(RESULTS, 'mismatch.tmp'), JSON.stringify({ body, answers }, null, 2));
        throw new Error(
          `${body.operationName}: ${differs?.server ?? 'the gateway'} answers otherwise (bench/results/mismatch.tmp)`,
        );
      }
    }
  } finally {
    await db.end();
  }
  console.log(
    `${servers.map((s) => s.name).join(', ')}: the same parsed JSON and read audit for ${cases.length} requests`,
  );
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
    if (!isDeepStrictEqual(replay.json, first.json)) {
      throw new Error(`RecordInteraction: ${url} does not replay its first answer`);
    }
    const receipt = (first.json.data as { recordInteraction?: { id?: unknown } } | undefined)?.recordInteraction;
    if (first.json.errors || typeof receipt?.id !== 'string') {
      throw new Error(`RecordInteraction: ${url} answered ${JSON.stringify(first.json)}`);
    }
    answers.push({ ...first.json, data: { recordInteraction: { ...receipt, id: 'ID' } } });
  }
  if (!isDeepStrictEqual(answers[0], answers[1]))
    throw new Error(`RecordInteraction: the gateway and the baseline differ: ${JSON.stringify(answers)}`);
  console.log('gateway and baseline answer RecordInteraction alike (and replay it under its key)');
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** The peak resident memory of a server, its worker processes' added (each at its own peak). */
function peakRssMb(child: ChildProcess): number | null {
  let kb = 0;
  for (const pid of processTree(child.pid!)) {
    try {
      kb += Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone meanwhile
    }
  }
  return kb > 0 ? Math.round(kb / 1024) : null;
}

function machineSummary(): string {
  const os = require('node:os') as typeof import('node:os');
  return `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
