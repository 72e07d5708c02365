import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Role } from '../../src/auth/roles';
import { signToken } from '../../src/auth/token-issuer';
import { loadConfig } from '../../src/config';
import { createDataSource } from '../../src/db/data-source';
import { RunningApp, startApp } from '../../src/server/app';
import { Factory } from '../support/factories';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestDatabase } from '../support/test-database';
import { useTestApp } from '../support/test-app';

/** PRODUCT.md §4: ready means "can serve reads", judged by a real read where queries read. */
describe('readiness', () => {
  describe('on one database', () => {
    const { app } = useTestApp();
    const ready = async () => (await fetch(app.url.replace('/graphql', '/readyz'))).status;

    it('is lost while customer reads fail although PostgreSQL still answers, and comes back', async () => {
      expect(await ready()).toBe(200);
      const admin = new Client({ connectionString: app.databaseUrl });
      await admin.connect();
      try {
        // SELECT 1 still answers; a read of the customer table does not.
        await admin.query('ALTER TABLE customer RENAME TO customer_moved');
        expect(await ready()).toBe(503);
      } finally {
        await admin.query('ALTER TABLE customer_moved RENAME TO customer');
        await admin.end();
      }
      expect(await ready()).toBe(200);
    });
  });

  describe('with the primary down and a replica up', () => {
    const secret = 'readiness-test-secret-at-least-32-chars';
    const dbs: { drop(): Promise<void> }[] = [];
    let proxy: TcpProxy;
    let primary: DataSource;
    let replica: DataSource;
    let app: RunningApp;
    let base: string;

    beforeAll(async () => {
      const [primaryDb, replicaDb] = await Promise.all([createTestDatabase(), createTestDatabase()]);
      dbs.push(primaryDb, replicaDb);
      const through = await TcpProxy.in(primaryDb.url);
      proxy = through.proxy;
      const config = loadConfig({
        NODE_ENV: 'test',
        PORT: '0',
        DATABASE_URL: through.url,
        JWT_SECRET: secret,
        DB_ACQUIRE_TIMEOUT_MS: '1000',
      });
      primary = createDataSource(through.url, { poolSize: 2, acquireTimeoutMs: 1000 });
      replica = createDataSource(replicaDb.url, { poolSize: 2 });
      await Promise.all([primary.initialize(), replica.initialize()]);
      app = await startApp(config, primary, replica);
      base = `http://127.0.0.1:${(app.httpServer.address() as { port: number }).port}`;
    });
    afterAll(async () => {
      await proxy.restore();
      await app.stop();
      await Promise.all([primary.destroy(), replica.destroy()]);
      await proxy.close();
      await Promise.all(dbs.map((db) => db.drop()));
    });

    const gql = async (query: string, variables: object, roles: Role[], claims: object = { sub: randomUUID() }) => {
      const token = await signToken({ ...claims, roles } as never, secret, { expiresIn: '5m' });
      const res = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
    };

    it('stays ready and serves reads, while writes answer SERVICE_UNAVAILABLE with Retry-After', async () => {
      const tag = await new Factory(replica).tag();
      await proxy.cut();
      expect((await fetch(`${base}/readyz`)).status).toBe(200);

      const read = await gql('{ tags { code } }', {}, [Role.CALL_CENTER_AGENT]);
      expect(read.body.errors).toBeUndefined();
      expect(read.body.data.tags.map((t: { code: string }) => t.code)).toContain(tag.code);

      // A staff write stops at the staff-directory check, which reads the primary; a partner's goes on to the write itself.
      const staffWrite = await gql(
        'mutation ($c: ID!, $t: String!) { assignTag(customerId: $c, tagCode: $t) { source } }',
        { c: randomUUID(), t: tag.code },
        [Role.MARKETING_MANAGER],
      );
      const partnerWrite = await gql(
        'mutation ($i: RecordInteractionInput!) { recordInteraction(input: $i) { id } }',
        {
          i: {
            customerNo: 'C000000001',
            channel: 'PARTNER',
            type: 'INQUIRY',
            occurredAt: new Date().toISOString(),
            externalRef: 'primary-down-1',
          },
        },
        [Role.PARTNER],
        { sub: 'partner-readiness', scopes: ['interactions:write'] },
      );
      for (const write of [staffWrite, partnerWrite]) {
        expect(write.status).toBe(503);
        expect(write.retryAfter).toBeTruthy();
        expect(write.body.errors.map((e: any) => e.extensions.code)).toEqual(['SERVICE_UNAVAILABLE']);
      }
    });
  });
});
