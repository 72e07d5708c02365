import fs from 'node:fs';
import { Role } from '../../src/auth/roles';
import { signToken } from '../../src/auth/token-issuer';
import { loadConfig } from '../../src/config';
import { openDatabase, type Database } from '../../src/db/database';
import { RunningApp, startApp } from '../../src/server/app';
import { startAutoFailover, type AutoFailoverCluster } from '../support/auto-failover';
import { Factory } from '../support/factories';
import { describeWithServers, query, waitUntil } from '../support/pg-cluster';
import { staffId } from '../support/staff-ids';

const SECRET = 'failover-test-secret-at-least-32-characters';
const AUDITOR = { sub: staffId('failover-auditor'), roles: [Role.COMPLIANCE_AUDITOR] };
const PARTNER = { sub: 'partner-failover', roles: [Role.PARTNER], scopes: ['interactions:write'] };
/** FAILOVER_REPORT=bench/results/failover.md writes the timeline there (npm run bench:failover). */
const REPORT = process.env.FAILOVER_REPORT;

interface Outcome {
  kind: 'read' | 'audited read' | 'write';
  startedAt: number;
  endedAt: number;
  status: number;
  retryAfter: string | null;
  codes: string[];
  data: any;
  messages: string[];
}

/**
 * The primary of a pg_auto_failover formation is lost while the gateway
 * serves reads and partner writes. The gateway names both nodes in its URLs
 * (DATABASE_URL for writes, DATABASE_REPLICA_URLS preferring the standby for
 * reads) and finds the new primary by itself once the monitor promotes it.
 */
describeWithServers('failover of the primary under pg_auto_failover', { autoFailover: true }, () => {
  let cluster: AutoFailoverCluster | undefined;
  let db: Database | undefined;
  let app: RunningApp | undefined;
  let base: string;

  beforeAll(async () => {
    cluster = await startAutoFailover('c360');
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      DATABASE_URL: cluster.url('c360'),
      DATABASE_REPLICA_URLS: cluster.url('c360', 'target_session_attrs=prefer-standby'),
      JWT_SECRET: SECRET,
      DB_POOL_SIZE: '4',
      DB_ACQUIRE_TIMEOUT_MS: '1000',
      DB_STATEMENT_TIMEOUT_MS: '2000',
      RATE_LIMIT_PARTNER: '100000',
      RATE_LIMIT_STAFF: '100000',
      ...(process.env.GRAPHQL_EXECUTOR ? { GRAPHQL_EXECUTOR: process.env.GRAPHQL_EXECUTOR } : {}),
    });
    db = await openDatabase(config);
    app = await startApp(config, db.ds, db.reads);
    base = `http://127.0.0.1:${(app.httpServer.address() as { port: number }).port}/graphql`;
  }, 150_000);
  afterAll(async () => {
    await app?.stop();
    await db?.close();
    await cluster?.stop();
  }, 60_000);

  const send = async (kind: Outcome['kind'], text: string, variables: object, claims: object): Promise<Outcome> => {
    const startedAt = Date.now();
    const token = await signToken(claims as never, SECRET, { expiresIn: '5m' });
    const res = await fetch(base, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: text, variables }),
    });
    const body = (await res.json()) as { data?: any; errors?: { message: string; extensions: { code: string } }[] };
    return {
      kind,
      startedAt,
      endedAt: Date.now(),
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      codes: (body.errors ?? []).map((e) => e.extensions.code),
      data: body.data,
      messages: (body.errors ?? []).map((e) => e.message),
    };
  };
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('keeps answering reads, answers writes SERVICE_UNAVAILABLE until a primary is promoted, and loses no acknowledged write', async () => {
    const [node1, node2] = cluster!.nodes;
    expect(await cluster!.primary()).toEqual(node1);
    const make = new Factory(db!.ds);
    const customer = await make.partnerSharedCustomer({ name: '故障切换' });
    await waitUntil('the customer on the standby', async () => {
      const rows = await query(cluster!.nodeUrl(node2, 'c360'), 'SELECT 1 FROM customer WHERE id = $1', [customer.id]);
      return rows.length === 1;
    });

    const outcomes: Outcome[] = [];
    const acknowledged = new Map<string, string>();
    let running = true;
    let sequence = 0;
    const writer = async () => {
      while (running) {
        const key = `failover-${++sequence}`;
        // A client retries the same key while told to (503); the key makes the retry safe.
        for (;;) {
          const outcome = await send(
            'write',
            'mutation ($i: RecordInteractionInput!) { recordInteraction(input: $i) { id } }',
            {
              i: {
                customerNo: customer.customerNo,
                channel: 'PARTNER',
                type: 'INQUIRY',
                occurredAt: '2026-01-01T00:00:00Z',
                externalRef: key,
              },
            },
            PARTNER,
          );
          outcomes.push(outcome);
          if (outcome.data?.recordInteraction) {
            acknowledged.set(key, outcome.data.recordInteraction.id);
            break;
          }
          if (outcome.status !== 503 || !running) break;
          await pause(100);
        }
      }
    };
    const reader = async () => {
      while (running) {
        outcomes.push(
          await send(
            'read',
            'query ($id: ID!) { customer(id: $id) { customerNo name } }',
            { id: customer.id },
            AUDITOR,
          ),
        );
        // The auditor reads the phone in full: a read that must leave an audit record, on the primary.
        outcomes.push(
          await send(
            'audited read',
            'query ($id: ID!) { customer(id: $id) { name phone } }',
            { id: customer.id },
            AUDITOR,
          ),
        );
        await pause(20);
      }
    };
    const load = Promise.all([writer(), writer(), reader()]);

    let stoppedAt = 0;
    const after = (kind: Outcome['kind']) => outcomes.filter((o) => o.kind === kind && o.startedAt > stoppedAt);
    const firstSuccess = (kind: Outcome['kind']) =>
      after(kind).find(
        (o) =>
          o.status === 200 && o.codes.length === 0 && o.data?.[kind === 'write' ? 'recordInteraction' : 'customer'],
      );
    try {
      await waitUntil('writes before the failover', async () => acknowledged.size >= 5);
      await cluster!.kill(node1);
      stoppedAt = Date.now();
      await waitUntil(
        'a write and an audited read to succeed after the primary stopped',
        async () => firstSuccess('write') !== undefined && firstSuccess('audited read') !== undefined,
        100_000,
      );
      await pause(500);
    } catch (error) {
      const last = outcomes.slice(-6).map(({ kind, status, messages, data }) => ({ kind, status, messages, data }));
      throw new Error(`${(error as Error).message}; last answers: ${JSON.stringify(last)}`);
    } finally {
      running = false;
      await load;
    }

    expect(await cluster!.primary()).toEqual(node2);
    const firstWrite = firstSuccess('write')!;
    const firstAuditedRead = firstSuccess('audited read')!;
    const refusedWrites = after('write').filter((o) => o.status === 503);
    const refusedAuditedReads = after('audited read').filter((o) => o.status === 503);
    expect(refusedWrites.length).toBeGreaterThan(0);

    // Reads that need no audit record answered throughout, from the standby and then from the new primary.
    for (const read of after('read')) {
      expect({ status: read.status, codes: read.codes, customer: read.data?.customer }).toEqual({
        status: 200,
        codes: [],
        customer: { customerNo: customer.customerNo, name: '故障切换' },
      });
    }
    // A write or an audited read either succeeded or was refused as unavailable, to be retried; nothing else.
    for (const outcome of [...after('write'), ...after('audited read')]) {
      if (outcome.status === 200) expect(outcome.codes).toEqual([]);
      else {
        expect({ status: outcome.status, codes: outcome.codes }).toEqual({
          status: 503,
          codes: ['SERVICE_UNAVAILABLE'],
        });
        expect(outcome.retryAfter).toBeTruthy();
      }
    }
    for (const read of after('audited read').filter((o) => o.status === 200))
      expect(read.data.customer).toEqual({ name: '故障切换', phone: customer.phone });

    // Every acknowledged write is on the new primary, and its key still answers with the same interaction.
    const ids = [...acknowledged.values()];
    const stored = await query<{ count: number }>(
      cluster!.nodeUrl(node2, 'c360'),
      'SELECT count(*)::int AS count FROM interaction WHERE id = ANY($1::uuid[])',
      [ids],
    );
    expect(stored[0].count).toBe(ids.length);
    const keys = await query<{ count: number }>(
      cluster!.nodeUrl(node2, 'c360'),
      'SELECT count(*)::int AS count FROM idempotency_record WHERE principal_id = $1 AND key = ANY($2::text[])',
      [PARTNER.sub, [...acknowledged.keys()]],
    );
    expect(keys[0].count).toBe(acknowledged.size);

    const timeline = {
      acknowledgedWrites: acknowledged.size,
      refusedWrites: refusedWrites.length,
      refusedAuditedReads: refusedAuditedReads.length,
      readsServed: after('read').length,
      firstWriteMs: firstWrite.endedAt - stoppedAt,
      firstAuditedReadMs: firstAuditedRead.endedAt - stoppedAt,
      lastRefusedWriteMs: Math.max(...refusedWrites.map((o) => o.endedAt - stoppedAt)),
    };
    console.log(`failover timeline: ${JSON.stringify(timeline)}`);
    if (REPORT) fs.writeFileSync(REPORT, report(timeline));
  }, 150_000);
});

function report(t: Record<string, number>): string {
  return `# Failover timeline

Written by \`npm run bench:failover\` (tests/integration/failover.test.ts with FAILOVER_REPORT set) on
${new Date().toISOString().slice(0, 10)}: a pg_auto_failover formation on this machine (monitor, primary,
synchronous secondary; PostgreSQL 15, Debian's packages), the gateway given both nodes in DATABASE_URL and
DATABASE_REPLICA_URLS, two partner writers (recordInteraction, retrying the same idempotency key on 503)
and one auditor reading a customer, with and without a field whose read is audited. The primary's keeper
and PostgreSQL are stopped at once (\`pg_autoctl stop --immediate\`) at t = 0. The monitor's health checks
are tightened for one machine (tests/support/auto-failover.ts: 1 s checks, unhealthy after 2 s, promotion
after a 3 s demote timeout); with pg_auto_failover's defaults expect about 30 s more.

| event | after the primary stopped |
|---|---|
| first write acknowledged (new primary) | ${(t.firstWriteMs / 1000).toFixed(1)} s |
| first audited read served (its record written on the new primary) | ${(t.firstAuditedReadMs / 1000).toFixed(1)} s |
| last write answered SERVICE_UNAVAILABLE | ${(t.lastRefusedWriteMs / 1000).toFixed(1)} s |

| count | |
|---|---|
| writes acknowledged (all found on the new primary, with their idempotency keys) | ${t.acknowledgedWrites} |
| write attempts answered 503 with Retry-After | ${t.refusedWrites} |
| audited reads answered 503 | ${t.refusedAuditedReads} |
| reads without audit served during and after the failover (none failed) | ${t.readsServed} |
`;
}
