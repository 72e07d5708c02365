/**
 * What the privacy policy costs (issue 8, item 6): a page of 50 customers
 * with tags and holdings, as a call-centre agent, with the policy on and
 * off, against the PostgreSQL in DATABASE_URL (seed it first with
 * `npm run seed -- --customers 100000`). Each variant runs in its own
 * server process; autocannon drives it from this process over loopback.
 *   DATABASE_URL=... node -r @swc-node/register bench/privacy-cost.ts [--seconds 10] [--rounds 2]
 */
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Role } from '../src/auth/roles';
import { signToken } from '../src/auth/token-issuer';
import { BENCH_AGENT_ID, BENCH_AUDIT_HASH_KEY, BENCH_MASTER_KEY, benchAuditSigningKeyFile } from './workloads';

const SECRET = 'bench-secret-bench-secret-bench-secret-0123';

const ALLOWED = `query Page {
  customers(first: 50, filter: { tiers: [WEALTH] }) {
    edges { node {
      id customerNo name idNumber phone email address city tier lifecycleStage aumBand
      tags { tag { code name } source }
      holdings(first: 10) { edges { node { product { code type riskLevel } accountNo currency openedAt status } } }
    } }
  }
}`;
// The worst case: the same page selecting what a call-centre agent is denied too.
const WITH_DENIED = ALLOWED.replace('aumBand', 'aumBand aum').replace(
  'accountNo currency',
  'accountNo balance currency',
);

async function startServer(privacy: 'on' | 'off'): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', `${__dirname}/privacy-server.ts`], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      MASTER_KEY: BENCH_MASTER_KEY,
      PORT: '0',
      JWT_SECRET: SECRET,
      AUDIT_HASH_KEY: BENCH_AUDIT_HASH_KEY,
      AUDIT_SIGNING_KEY_FILE: benchAuditSigningKeyFile(),
      LOG_LEVEL: 'warn',
      BENCH_PRIVACY: privacy,
      DB_POOL_SIZE: '10',
      // Far above what 32 connections can offer in a run (it predates rate limits, and answered only 429s).
      RATE_LIMIT_STAFF: '1000000000',
      RATE_LIMIT_WINDOW_SECONDS: '60',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('{"url"')) resolve(JSON.parse(line).url);
    });
  });
  return { url, process: child };
}

async function load(url: string, token: string, query: string, seconds: number) {
  const result = await autocannon({
    url,
    method: 'POST',
    connections: 32,
    duration: seconds,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
    // The denied fields' FORBIDDEN errors are the answer WITH_DENIED expects; any other error is a failure.
    verifyBody: (body: unknown) => !/"extensions":\{"code":"(?!FORBIDDEN")/.test(String(body)),
  });
  if (result.non2xx > 0 || result.errors > 0 || result.mismatches > 0)
    throw new Error(`${result.non2xx} non-2xx, ${result.errors} errors, ${result.mismatches} with GraphQL errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

async function main() {
  const { values } = parseArgs({
    options: { seconds: { type: 'string', default: '10' }, rounds: { type: 'string', default: '2' } },
  });
  const seconds = Number(values.seconds);
  const token = await signToken({ sub: BENCH_AGENT_ID, roles: [Role.CALL_CENTER_AGENT] }, SECRET, { expiresIn: '1h' });
  const runs: Record<string, number[]> = {};
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const privacy of ['on', 'off'] as const) {
      const server = await startServer(privacy);
      try {
        for (const [name, query] of [
          ['allowed fields', ALLOWED],
          ['with denied fields', WITH_DENIED],
        ] as const) {
          await load(server.url, token, query, 3); // warm-up
          const r = await load(server.url, token, query, seconds);
          (runs[`${name}, policy ${privacy}`] ??= []).push(r.rps);
          console.log(
            `round ${round + 1}: ${name}, policy ${privacy}: ${r.rps.toFixed(1)} rps, p50 ${r.p50} ms, p99 ${r.p99} ms`,
          );
        }
      } finally {
        server.process.kill('SIGTERM');
        await once(server.process, 'exit');
      }
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const name of ['allowed fields', 'with denied fields']) {
    const on = median(runs[`${name}, policy on`]);
    const off = median(runs[`${name}, policy off`]);
    console.log(`${name}: policy on ${on.toFixed(1)} rps, off ${off.toFixed(1)} rps, on/off ${(on / off).toFixed(2)}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
