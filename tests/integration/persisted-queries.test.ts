import { createHash, randomUUID } from 'node:crypto';
import { Role, Scope } from '../../src/auth/roles';
import { OperationRegistry } from '../../src/server/persisted-queries';
import { startTestApp, TestApp, useTestApp } from '../support/test-app';
import manifest from '../../persisted-queries/partner.json';
import { staffId } from '../support/staff-ids';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const registered = (name: string) => manifest.operations.find((op) => op.name === name)!;
const partner = { sub: 'partner-safelist', roles: [Role.PARTNER], scopes: [Scope.INTERACTIONS_WRITE] };

async function post(app: TestApp, body: unknown, as: { sub: string; roles: string[]; scopes?: string[] }) {
  const res = await fetch(app.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await app.token(as)}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: any[] } };
}

const byHash = (hash: string, extra: Record<string, unknown> = {}) => ({
  ...extra,
  extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
});

describe('the partner manifest', () => {
  it('names every operation by the SHA-256 of its text, and loads', () => {
    for (const op of manifest.operations) expect(op.id).toBe(sha256(op.body));
    expect(() => OperationRegistry.load()).not.toThrow();
  });
});

describe('safelist mode', () => {
  const { app, make } = useTestApp({ OPERATION_SAFELIST: 'partner' });

  it('runs a registered operation sent by its id alone, or with its text', async () => {
    const customer = await make.partnerSharedCustomer();
    const op = registered('RecordInteraction');
    const input = (externalRef: string) => ({
      customerNo: customer.customerNo,
      channel: 'PARTNER',
      type: 'INQUIRY',
      occurredAt: '2026-11-01T08:00:00.000Z',
      externalRef,
    });
    const hashOnly = await post(app, byHash(op.id, { variables: { input: input('sl-1') } }), partner);
    expect(hashOnly.body.errors).toBeUndefined();
    expect(hashOnly.body.data.recordInteraction.id).toEqual(expect.any(String));
    const withText = await post(app, { query: op.body, variables: { input: input('sl-2') } }, partner);
    expect(withText.body.errors).toBeUndefined();
  });

  it('refuses a partner any other operation, before it runs', async () => {
    for (const body of [
      { query: '{ customers(first: 1) { totalCount } }' },
      { query: `${registered('Me').body} ` }, // not byte for byte the registered text
      byHash(sha256('{ me { id } }'), { query: '{ me { id } }' }),
    ]) {
      const res = await post(app, body, partner);
      expect(res.status).toBe(403);
      expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'OPERATION_NOT_REGISTERED' });
    }
  });

  it('refuses a partner an unregistered query sent by GET, even with a registered one in the body', async () => {
    const url = `${app.url}?query=${encodeURIComponent('{ customers(first: 1) { totalCount } }')}`;
    const res = await fetch(url, {
      method: 'GET',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await app.token(partner)}`,
        'apollo-require-preflight': '1',
      },
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).errors[0].extensions.reason).toBe('OPERATION_NOT_REGISTERED');
  });

  it('leaves staff free to send any operation', async () => {
    const res = await post(
      app,
      { query: '{ me { id } }' },
      { sub: staffId('staff-1'), roles: [Role.CALL_CENTER_AGENT] },
    );
    expect(res.body.data.me.id).toBe(staffId('staff-1'));
  });
});

describe('automatic persisted queries', () => {
  const staff = { sub: staffId('apq-staff'), roles: [Role.CALL_CENTER_AGENT] };

  it('asks for the text of an unknown hash, then runs it by hash', async () => {
    const { app, close } = await startTestApp().then((a) => ({ app: a, close: () => a.close() }));
    try {
      const query = `{ me { id roles } } # ${randomUUID()}`;
      const unknown = await post(app, byHash(sha256(query)), staff);
      expect(unknown.body.errors?.[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
      expect((await post(app, byHash(sha256(query), { query }), staff)).body.data.me.id).toBe(staffId('apq-staff'));
      expect((await post(app, byHash(sha256(query)), staff)).body.data.me.id).toBe(staffId('apq-staff'));
    } finally {
      await close();
    }
  });

  it('share registered hashes between instances through Redis', async () => {
    const env = { REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' };
    const [first, second] = await Promise.all([startTestApp(env), startTestApp(env)]);
    try {
      const query = `{ me { id } } # ${randomUUID()}`;
      expect((await post(first, byHash(sha256(query), { query }), staff)).body.data.me.id).toBe(staffId('apq-staff'));
      expect((await post(second, byHash(sha256(query)), staff)).body.data.me.id).toBe(staffId('apq-staff'));
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('refuses a hash that does not match the text', async () => {
    const app = await startTestApp();
    try {
      const res = await post(app, byHash(sha256('{ me { id } }'), { query: '{ me { roles } }' }), staff);
      expect(res.status).toBe(400);
      expect(res.body.errors?.[0].extensions.code).toBe('BAD_REQUEST');
    } finally {
      await app.close();
    }
  });
});
