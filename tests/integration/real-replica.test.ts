import { Role } from '../../src/auth/roles';
import { signToken } from '../../src/auth/token-issuer';
import { loadConfig } from '../../src/config';
import { openDatabase, type Database } from '../../src/db/database';
import { RunningApp, startApp } from '../../src/server/app';
import { Factory } from '../support/factories';
import { describeWithServers, query, startStreamingPair, waitUntil, type StreamingPair } from '../support/pg-cluster';
import { staffId } from '../support/staff-ids';

const SECRET = 'real-replica-test-secret-at-least-32-chars';
const AUDITOR = { sub: staffId('real-replica-auditor'), roles: [Role.COMPLIANCE_AUDITOR] };

/**
 * Replica routing on a real hot standby that streams from its primary: lag is
 * made to order by pausing the standby's replay (pg_wal_replay_pause), so
 * each assertion knows which server answered without timing anything.
 */
describeWithServers('a real hot standby', {}, () => {
  let pair: StreamingPair | undefined;
  let db: Database | undefined;
  let app: RunningApp | undefined;
  let base: string;
  let make: Factory;

  beforeAll(async () => {
    pair = await startStreamingPair();
    await query(pair.primaryUrl('postgres'), 'CREATE DATABASE c360');
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      DATABASE_URL: pair.primaryUrl('c360'),
      DATABASE_REPLICA_URLS: pair.standbyUrl('c360'),
      JWT_SECRET: SECRET,
      DB_ACQUIRE_TIMEOUT_MS: '1000',
      DB_POOL_SIZE: '3',
      // A manager reads the metrics of a campaign of one customer (small-cohort suppression would withhold them).
      K_ANONYMITY_MIN: '1',
      ...(process.env.GRAPHQL_EXECUTOR ? { GRAPHQL_EXECUTOR: process.env.GRAPHQL_EXECUTOR } : {}),
    });
    // The production path: openDatabase migrates the primary, and the standby receives the schema by replication.
    db = await openDatabase(config);
    await pair.caughtUp();
    app = await startApp(config, db.ds, db.reads);
    base = `http://127.0.0.1:${(app.httpServer.address() as { port: number }).port}`;
    make = new Factory(db.ds);
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
    await db?.close();
    await pair?.stop();
  }, 60_000);

  const gql = async (text: string, variables: object = {}, claims: object = AUDITOR) => {
    const token = await signToken(claims as never, SECRET, { expiresIn: '5m' });
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: text, variables }),
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
  };
  const ready = async () => (await fetch(`${base}/readyz`)).status;

  it('answers queries from the standby as of what it has replayed, and a mutation from the primary', async () => {
    const maker = await make.staff();
    const customer = await make.customer({ name: '复制前' });
    await pair!.caughtUp();

    await pair!.pauseReplay();
    try {
      await db!.ds.query(`UPDATE customer SET name = '复制后' WHERE id = $1`, [customer.id]);
      const campaign = await make.campaign({ createdBy: maker.id });
      await make.enrollment(campaign.id, customer.id);

      const before = await gql(`query ($id: ID!) { customer(id: $id) { name } }`, { id: customer.id });
      expect(before.body.data.customer).toEqual({ name: '复制前' });
      // The mutation's answer, metrics included, is read where it wrote (read-your-writes).
      const submitted = await gql(
        `mutation ($id: ID!) { submitCampaign(id: $id) { status metrics { targeted } } }`,
        { id: campaign.id },
        { sub: maker.id, roles: [Role.MARKETING_MANAGER] },
      );
      expect(submitted.body.errors).toBeUndefined();
      expect(submitted.body.data.submitCampaign).toEqual({ status: 'PENDING_APPROVAL', metrics: { targeted: 1 } });
      const lagging = await gql(`query ($id: ID!) { campaign(id: $id) { status } }`, { id: campaign.id });
      expect(lagging.body.data.campaign).toBeNull();
      expect(await ready()).toBe(200);

      await pair!.resumeReplay();
      await pair!.caughtUp();
      const after = await gql(`query ($id: ID!, $c: ID!) { customer(id: $id) { name } campaign(id: $c) { status } }`, {
        id: customer.id,
        c: campaign.id,
      });
      expect(after.body.data).toEqual({ customer: { name: '复制后' }, campaign: { status: 'PENDING_APPROVAL' } });
    } finally {
      await pair!.resumeReplay();
    }
  });

  it('is not ready while the standby is down, and ready again once it is back', async () => {
    expect(await ready()).toBe(200);
    await pair!.stopStandby();
    try {
      expect(await ready()).toBe(503);
    } finally {
      await pair!.startStandby();
    }
    await waitUntil('the instance to be ready again', async () => (await ready()) === 200);
  });

  it('with the primary down, serves reads from the standby and answers writes SERVICE_UNAVAILABLE with Retry-After', async () => {
    const customer = await make.customer({ name: '主库停机' });
    await pair!.caughtUp();
    await pair!.stopPrimary();
    try {
      expect(await ready()).toBe(200);
      const read = await gql(`query ($id: ID!) { customer(id: $id) { customerNo name } }`, { id: customer.id });
      expect(read.body.errors).toBeUndefined();
      expect(read.body.data.customer).toEqual({ customerNo: customer.customerNo, name: '主库停机' });

      const write = await gql(
        'mutation ($i: RecordInteractionInput!) { recordInteraction(input: $i) { id } }',
        {
          i: {
            customerNo: customer.customerNo,
            channel: 'PARTNER',
            type: 'INQUIRY',
            occurredAt: new Date().toISOString(),
            externalRef: 'real-replica-primary-down',
          },
        },
        { sub: 'partner-real-replica', roles: [Role.PARTNER], scopes: ['interactions:write'] },
      );
      expect(write.status).toBe(503);
      expect(write.retryAfter).toBeTruthy();
      expect(write.body.errors.map((e: any) => e.extensions.code)).toEqual(['SERVICE_UNAVAILABLE']);
    } finally {
      await pair!.startPrimary();
    }
  });
});
