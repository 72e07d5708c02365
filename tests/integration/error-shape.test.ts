import { encodeCursor } from '../../src/common/pagination';
import { useTestApp } from '../support/test-app';
import { staffId } from '../support/staff-ids';
import { auditSigningKeyFile } from '../support/audit-signing-key';

const { app, make } = useTestApp();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function post(
  body: string,
  { url = app.url, headers = {} }: { url?: string; headers?: Record<string, string> } = {},
) {
  const token = await app.token({ sub: staffId('a'), roles: ['COMPLIANCE_AUDITOR'] });
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body,
  });
  return {
    status: res.status,
    requestId: res.headers.get('x-request-id'),
    etag: res.headers.get('etag'),
    contentType: res.headers.get('content-type'),
    text: await res.text(),
  };
}

describe('requests refused before GraphQL runs', () => {
  it('answer malformed JSON with BAD_REQUEST in GraphQL’s shape, without a stack', async () => {
    const res = await post('{"query": ');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toEqual({
      errors: [{ message: expect.any(String), extensions: { code: 'BAD_REQUEST', requestId: res.requestId } }],
    });
    expect(res.text).not.toMatch(/at |SyntaxError|body-parser/);
  });

  it('answer an oversized body with 413', async () => {
    const res = await post(JSON.stringify({ query: `{ me { id } }`, variables: { pad: 'x'.repeat(200_000) } }));
    expect(res.status).toBe(413);
    expect(res.requestId).toMatch(UUID);
    expect(res.contentType).toBe('application/json; charset=utf-8');
    expect(JSON.parse(res.text)).toEqual({
      errors: [
        { message: 'The request body is too large', extensions: { code: 'BAD_REQUEST', requestId: res.requestId } },
      ],
    });
  });

  it('refuse a NUL character in a GET query string', async () => {
    const token = await app.token({ sub: staffId('a'), roles: ['COMPLIANCE_AUDITOR'] });
    const query = encodeURIComponent('query ($n: String!) { customerByNumber(customerNo: $n) { id } }');
    const res = await fetch(`${app.url}?query=${query}&variables=${encodeURIComponent('{"n":"C\u0000"}')}`, {
      headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': '1' },
    });
    expect(res.status).toBe(400);
  });

  it('refuse a NUL character anywhere in the body', async () => {
    const res = await post(JSON.stringify({ query: `{ customerByNumber(customerNo: "C\\u0000") { id } }` }));
    expect(res.status).toBe(400);
    expect(res.requestId).toMatch(UUID);
    expect(JSON.parse(res.text)).toEqual({
      errors: [
        { message: 'The request body is not valid', extensions: { code: 'BAD_REQUEST', requestId: res.requestId } },
      ],
    });
  });

  it('name the server’s own request id, never one the client sent', async () => {
    const res = await post('{"query": ', { headers: { 'x-request-id': 'chosen-by-the-client' } });
    expect(res.status).toBe(400);
    expect(res.requestId).toMatch(UUID);
    expect(JSON.parse(res.text).errors[0].extensions.requestId).toBe(res.requestId);
  });
});

describe('the GraphQL path spelled otherwise (Express hands it to the same handler)', () => {
  it.each([
    ['with a trailing slash', '/graphql/'],
    ['in other letter case', '/GraphQL'],
  ])('%s answers operations and refusals as /graphql does', async (_case, path) => {
    const url = app.url.replace('/graphql', path);
    const ok = await post(JSON.stringify({ query: '{ me { id } }' }), { url });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toEqual({ data: { me: { id: staffId('a') } } });
    const malformed = await post('{"query": ', { url });
    expect(malformed.status).toBe(400);
    expect(malformed.requestId).toMatch(UUID);
    expect(JSON.parse(malformed.text).errors[0].extensions).toEqual({
      code: 'BAD_REQUEST',
      requestId: malformed.requestId,
    });
  });
});

describe('operations the document does not resolve', () => {
  it.each([
    ['an operationName that names no operation', { query: 'query A { me { id } }', operationName: 'B' }],
    ['two anonymous operations', { query: '{ me { id } } { me { roles } }' }],
    ['two named operations and no operationName', { query: 'query A { me { id } } query B { me { roles } }' }],
  ])('answer %s with 400 BAD_REQUEST on either executor', async (_case, body) => {
    const res = await post(JSON.stringify(body));
    expect(res.status).toBe(400);
    const { data, errors } = JSON.parse(res.text);
    expect(data).toBeUndefined();
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expect(error.extensions).toEqual({ code: 'BAD_REQUEST', requestId: res.requestId });
  });
});

it('answers GraphQL without an ETag: answers depend on the caller and are never revalidated', async () => {
  const res = await post(JSON.stringify({ query: '{ me { id } }' }));
  expect(res.status).toBe(200);
  expect(res.etag).toBeNull();
});

it('answers an unknown route in the same shape, not with an HTML page', async () => {
  const res = await fetch(app.url.replace('/graphql', '/admin'));
  expect(res.status).toBe(404);
  expect(await res.json()).toEqual({
    errors: [{ message: 'Not found', extensions: { code: 'NOT_FOUND', requestId: res.headers.get('x-request-id') } }],
  });
});

describe('cursors PostgreSQL would refuse', () => {
  it.each([
    ['holdings', encodeCursor(['2024-02-30', '7d9f2a52-5f0e-4c4e-9a57-6f4c2f1b2a10'])],
    ['interactions', encodeCursor(['1', '7d9f2a52-5f0e-4c4e-9a57-6f4c2f1b2a10'])],
    ['interactions', encodeCursor(['+275760-09-13T00:00:00.000Z', '7d9f2a52-5f0e-4c4e-9a57-6f4c2f1b2a10'])],
  ])('are BAD_USER_INPUT on %s, not internal errors', async (list, after) => {
    const customer = await make.customer();
    const res = await app.gql(
      `query ($id: ID!, $after: String) { customer(id: $id) { ${list}(after: $after) { totalCount } } }`,
      {
        id: customer.id,
        after,
      },
    );
    expect(res.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('are BAD_USER_INPUT for an audit id beyond bigint', async () => {
    const after = encodeCursor(['2026-01-01T00:00:00.000Z', '9999999999999999999']);
    const res = await app.gql(`query ($after: String) { auditLog(after: $after) { totalCount } }`, { after });
    expect(res.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
  });
});

describe('in production', () => {
  const { app: prod } = useTestApp({
    NODE_ENV: 'production',
    MASTER_KEY: 'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=',
    JWT_SECRET: 'p'.repeat(40),
    AUDIT_HASH_KEY: 'a'.repeat(40),
    AUDIT_SIGNING_KEY_FILE: auditSigningKeyFile(),
    // Production logs at info; the test's output is not the place for them.
    LOG_LEVEL: 'silent',
  });

  it('does not suggest field names, and refuses introspection', async () => {
    const typo = await prod.gql(`{ customer(id: "7d9f2a52-5f0e-4c4e-9a57-6f4c2f1b2a10") { phon } }`);
    expect(typo.errors?.[0].extensions.code).toBe('BAD_REQUEST');
    expect(typo.errors?.[0].message).not.toContain('Did you mean');
    const introspection = await prod.gql(`{ __schema { types { name } } }`);
    expect(introspection.errors?.[0].extensions.code).toBe('BAD_REQUEST');
  });

  it.each<[string, { method: string; headers?: Record<string, string>; body?: string }]>([
    ['a GET', { method: 'GET' }],
    [
      'a form-encoded POST',
      { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"query":"{ me { id } }"}' },
    ],
  ])('refuses %s a browser could send cross-site without a preflight (CSRF)', async (_kind, init) => {
    const token = await prod.token({ sub: staffId('csrf'), roles: ['COMPLIANCE_AUDITOR'] });
    const url = init.method === 'GET' ? `${prod.url}?query=${encodeURIComponent('{ me { id } }')}` : prod.url;
    const res = await fetch(url, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } });
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).not.toContain('"me"');
    if (init.method === 'GET') {
      expect(JSON.parse(body).errors[0]).toMatchObject({
        message: expect.stringContaining('Cross-Site Request Forgery'),
        extensions: { code: 'BAD_REQUEST', requestId: res.headers.get('x-request-id') },
      });
    }
  });
});
