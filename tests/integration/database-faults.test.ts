import { Client } from 'pg';
import { TcpProxy } from '../support/tcp-proxy';
import { GraphQLResponse, startTestApp, TestApp } from '../support/test-app';
import { Factory } from '../support/factories';

const CUSTOMER = `query ($id: ID!) { customer(id: $id) { id name } }`;

/** Nothing of the database may reach a client: no SQL, no driver text, no table names, no stack. */
function expectNothingInternal(res: GraphQLResponse) {
  const text = JSON.stringify(res);
  for (const leak of [
    /select|insert|relation|canceling|statement|timeout exceeded|terminat|ECONN|postgres|pg_|\bat \w+ \(/i,
  ]) {
    expect(text).not.toMatch(leak);
  }
}

/** Holds an exclusive lock on the customer table from outside the server, so its reads wait. */
async function lockCustomers(databaseUrl: string) {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE customer IN ACCESS EXCLUSIVE MODE');
  return async () => {
    await client.query('ROLLBACK');
    await client.end();
  };
}

describe('a statement that runs too long', () => {
  let app: TestApp;
  let make: Factory;
  beforeAll(async () => {
    app = await startTestApp({ DB_STATEMENT_TIMEOUT_MS: '300' });
    make = new Factory(app.ds);
  });
  afterAll(() => app.close());

  it('is cancelled by PostgreSQL and answered SERVICE_UNAVAILABLE (503, Retry-After)', async () => {
    const customer = await make.customer();
    const unlock = await lockCustomers(app.databaseUrl);
    try {
      const res = await app.gql(CUSTOMER, { id: customer.id });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBeTruthy();
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', requestId: expect.any(String) });
      expectNothingInternal(res);
    } finally {
      await unlock();
    }
    expect((await app.gql(CUSTOMER, { id: customer.id })).data.customer.id).toBe(customer.id);
  });

  it('in one relation costs that relation only, not the customer its look-ahead read with it', async () => {
    const customer = await make.customer();
    const tag = await make.tag();
    await make.customerTag(customer.id, tag.id);
    // Interactions wait on a lock: the one statement that reads the customer with all its
    // relations is cancelled, and so is the interactions field when it loads on its own.
    const client = new Client({ connectionString: app.databaseUrl });
    await client.connect();
    await client.query('BEGIN; LOCK TABLE interaction IN ACCESS EXCLUSIVE MODE');
    try {
      const res = await app.gql(
        `query ($id: ID!) { customer(id: $id) { id name tags { source } interactions(first: 5) { totalCount } } }`,
        { id: customer.id },
      );
      expect(res.status).toBe(200);
      expect(res.data.customer).toMatchObject({ id: customer.id, name: customer.name, interactions: null });
      expect(res.data.customer.tags).toHaveLength(1);
      expect(res.errors?.map((e) => [e.extensions.code, e.path])).toEqual([
        ['SERVICE_UNAVAILABLE', ['customer', 'interactions']],
      ]);
      expectNothingInternal(res);
    } finally {
      await client.query('ROLLBACK');
      await client.end();
    }
  });
});

describe('a pool with no free connection', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ DB_POOL_SIZE: '1', DB_ACQUIRE_TIMEOUT_MS: '300', DB_STATEMENT_TIMEOUT_MS: '20000' });
  });
  afterAll(() => app.close());

  it('answers SERVICE_UNAVAILABLE after the acquisition timeout instead of queueing for ever', async () => {
    const customer = await new Factory(app.ds).customer();
    const unlock = await lockCustomers(app.databaseUrl);
    // This one takes the only connection and waits on the lock.
    const holding = app.gql(CUSTOMER, { id: customer.id });
    await new Promise((resolve) => setTimeout(resolve, 100));
    try {
      const res = await app.gql(CUSTOMER, { id: customer.id });
      expect(res.errors?.[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
      expectNothingInternal(res);
    } finally {
      await unlock();
    }
    expect((await holding).data.customer.id).toBe(customer.id);
  });
});

describe('PostgreSQL going away and coming back', () => {
  let app: TestApp;
  let proxy: TcpProxy;
  beforeAll(async () => {
    app = await startTestApp(
      { DB_ACQUIRE_TIMEOUT_MS: '1000' },
      {
        connectVia: async (url) => {
          const started = await TcpProxy.in(url);
          proxy = started.proxy;
          return started.url;
        },
      },
    );
  });
  afterAll(async () => {
    await proxy.restore();
    await app.close();
    await proxy.close();
  });

  const ready = async () => (await fetch(app.url.replace('/graphql', '/readyz'))).status;
  const alive = async () => (await fetch(app.url.replace('/graphql', '/healthz'))).status;

  it('keeps the process up, reports not ready, and recovers without a restart', async () => {
    const customer = await new Factory(app.ds).customer();
    expect(await ready()).toBe(200);

    await proxy.cut();
    const during = await app.gql(CUSTOMER, { id: customer.id });
    expect(during.status).toBe(503);
    expect(during.errors?.[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
    expectNothingInternal(during);
    expect(await ready()).toBe(503);
    expect(await alive()).toBe(200);

    await proxy.restore();
    const after = await app.gql(CUSTOMER, { id: customer.id });
    expect(after.errors).toBeUndefined();
    expect(after.data.customer.id).toBe(customer.id);
    expect(await ready()).toBe(200);
  });
});

describe('a network that goes silent (nothing answers, nothing resets)', () => {
  let app: TestApp;
  let proxy: TcpProxy;
  beforeAll(async () => {
    app = await startTestApp(
      { DB_STATEMENT_TIMEOUT_MS: '500', DB_ACQUIRE_TIMEOUT_MS: '500' },
      {
        connectVia: async (url) => {
          const started = await TcpProxy.in(url);
          proxy = started.proxy;
          return started.url;
        },
      },
    );
  });
  afterAll(async () => {
    proxy.thaw();
    await app.close();
    await proxy.close();
  });

  it('answers SERVICE_UNAVAILABLE within the timeouts instead of hanging, and recovers', async () => {
    const customer = await new Factory(app.ds).customer();
    proxy.freeze();
    const started = Date.now();
    const during = await app.gql(CUSTOMER, { id: customer.id });
    expect(during.errors?.[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
    expectNothingInternal(during);
    expect(Date.now() - started).toBeLessThan(5_000);

    proxy.thaw();
    let after = await app.gql(CUSTOMER, { id: customer.id });
    for (let attempt = 0; attempt < 20 && after.errors; attempt++) after = await app.gql(CUSTOMER, { id: customer.id });
    expect(after.data.customer.id).toBe(customer.id);
  });
});

describe('an internal error (the schema drifted under the server)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('is INTERNAL_SERVER_ERROR with a generic message and nothing of the database', async () => {
    await app.ds.query('ALTER TABLE tag RENAME TO tag_moved');
    const res = await app.gql(`{ tags { code name } }`);
    expect(res.errors?.[0]).toEqual({
      message: 'Internal server error',
      path: ['tags'],
      locations: expect.any(Array),
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: expect.any(String) },
    });
    expectNothingInternal(res);
    expect(JSON.stringify(res)).not.toContain('tag_moved');
  });
});
