import { randomUUID } from 'node:crypto';
import { Role, Scope } from '../../src/auth/roles';
import { startTestApp, TestApp, useTestApp } from '../support/test-app';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ME = '{ me { id } }';

/** A principal no other test or earlier run has used, so its budget starts full. */
const fresh = (roles: string[] = [Role.CALL_CENTER_AGENT], scopes?: string[]) => ({
  sub: randomUUID(),
  roles,
  scopes,
});

describe('in memory (no REDIS_URL)', () => {
  const { app } = useTestApp({
    RATE_LIMIT_STAFF: '3',
    RATE_LIMIT_PARTNER: '2',
    RATE_LIMIT_WINDOW_SECONDS: '60',
    MAX_BATCH_OPERATIONS: '3',
  });

  it('refuses a principal over its budget with 429, RATE_LIMITED and a retry hint', async () => {
    const caller = fresh();
    for (let i = 0; i < 3; i++) expect((await app.gql(ME, {}, { as: caller })).status).toBe(200);
    const refused = await app.gql(ME, {}, { as: caller });
    expect(refused.status).toBe(429);
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.data).toBeUndefined();
  });

  it('counts each operation of a batch', async () => {
    const caller = fresh();
    const token = await app.token(caller);
    const batch = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify([{ query: ME }, { query: ME }, { query: ME }]),
    });
    expect(batch.status).toBe(200);
    expect((await app.gql(ME, {}, { as: caller })).status).toBe(429);
  });

  it('counts each principal separately', async () => {
    const busy = fresh();
    for (let i = 0; i < 4; i++) await app.gql(ME, {}, { as: busy });
    expect((await app.gql(ME, {}, { as: fresh() })).status).toBe(200);
  });

  it('gives partners their own, smaller budget', async () => {
    const partner = fresh([Role.PARTNER], [Scope.LEADS_WRITE]);
    expect((await app.gql(ME, {}, { as: partner })).status).toBe(200);
    expect((await app.gql(ME, {}, { as: partner })).status).toBe(200);
    expect((await app.gql(ME, {}, { as: partner })).errors?.[0].extensions.code).toBe('RATE_LIMITED');
  });
});

describe('requests with bad tokens', () => {
  const { app } = useTestApp({ RATE_LIMIT_FAILED_AUTH: '3', TRUST_PROXY: 'loopback' });

  const withToken = (token: string, clientAddress: string) =>
    fetch(app.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        'x-forwarded-for': clientAddress,
      },
      body: JSON.stringify({ query: ME }),
    });

  it('are refused per client address once its failures are spent, even with a good token', async () => {
    for (let i = 0; i < 3; i++) expect((await withToken('not-a-token', '203.0.113.7')).status).toBe(401);
    const refused = await withToken('not-a-token', '203.0.113.7');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    expect(((await refused.json()) as any).errors[0].extensions.code).toBe('RATE_LIMITED');
    // Once an address is refused, it is refused before its token is looked at.
    expect((await withToken(await app.token(fresh()), '203.0.113.7')).status).toBe(429);
    // Another client behind the same balancer is not affected.
    expect((await withToken(await app.token(fresh()), '203.0.113.8')).status).toBe(200);
  });
});

describe('shared through Redis by several instances', () => {
  let first: TestApp;
  let second: TestApp;
  beforeAll(async () => {
    const env = { REDIS_URL, RATE_LIMIT_STAFF: '4', RATE_LIMIT_WINDOW_SECONDS: '60' };
    [first, second] = await Promise.all([startTestApp(env), startTestApp(env)]);
  });
  afterAll(() => Promise.all([first?.close(), second?.close()]));

  it('draws one budget for a principal whichever instance it calls', async () => {
    const caller = fresh();
    for (const instance of [first, second, first, second]) {
      expect((await instance.gql(ME, {}, { as: caller })).status).toBe(200);
    }
    expect((await first.gql(ME, {}, { as: caller })).status).toBe(429);
    expect((await second.gql(ME, {}, { as: caller })).status).toBe(429);
  });
});

describe('while Redis is unreachable', () => {
  const { app } = useTestApp({ REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_STAFF: '2' });

  it('keeps serving, and limits each instance from its own memory', async () => {
    const caller = fresh();
    expect((await app.gql(ME, {}, { as: caller })).status).toBe(200);
    expect((await app.gql(ME, {}, { as: caller })).status).toBe(200);
    expect((await app.gql(ME, {}, { as: caller })).status).toBe(429);
  });
});
