import { countStatements } from '../support/sql-counter';
import { useTestApp } from '../support/test-app';
import { staffId } from '../support/staff-ids';
import { auditSigningKeyFile } from '../support/audit-signing-key';

/**
 * The probes of graphql-cop (an outside GraphQL scanner that cannot be
 * installed here), sent as it sends them, against the production
 * configuration. Each asserts the opposite of what the scanner reports as a
 * finding, and a little more: the code the contract gives the refusal.
 * The scanner authenticates as whatever headers it is given: here a
 * compliance auditor, who may read everything, so a refusal is the limit's
 * doing and not the token's.
 */
const { app } = useTestApp({
  NODE_ENV: 'production',
  MASTER_KEY: 'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=',
  JWT_SECRET: 'p'.repeat(40),
  AUDIT_HASH_KEY: 'a'.repeat(40),
  AUDIT_SIGNING_KEY_FILE: auditSigningKeyFile(),
  LOG_LEVEL: 'silent',
});

/** CSRF-safe: a header a browser cannot send cross-site without a preflight. */
const PREFLIGHT = { 'apollo-require-preflight': '1' };

async function send(init: { method?: string; headers?: Record<string, string>; body?: string; search?: string }) {
  const token = await app.token({ sub: staffId('scanner'), roles: ['COMPLIANCE_AUDITOR'] });
  const counter = countStatements();
  try {
    const res = await fetch(`${app.url}${init.search ?? ''}`, {
      method: init.method ?? 'POST',
      headers: { authorization: `Bearer ${token}`, ...init.headers },
      body: init.body,
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      text,
      body: JSON.parse(text),
      statements: counter.statements.length,
    };
  } finally {
    counter.restore();
  }
}

const post = (body: unknown, headers: Record<string, string> = {}) =>
  send({ headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

const get = (query: string, headers: Record<string, string> = {}) =>
  send({ method: 'GET', headers, search: `?query=${encodeURIComponent(query)}` });

const codes = (body: { errors?: { extensions: { code: string } }[] }) => body.errors?.map((e) => e.extensions.code);

describe('denial of service', () => {
  it('alias overloading: 101 aliases of __typename are one QUERY_TOO_COMPLEX', async () => {
    const aliases = Array.from({ length: 101 }, (_, i) => `alias${i}:__typename`).join(' \n');
    const res = await post({ query: `query { ${aliases} }` });
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(codes(res.body)).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('counts __typename aliases with the others: 15 in all pass, 16 do not', async () => {
    const mixed = (me: number, typenames: number) =>
      `{ ${Array.from({ length: me }, (_, i) => `m${i}: me { id }`).join(' ')} ${Array.from(
        { length: typenames },
        (_, i) => `t${i}: __typename`,
      ).join(' ')} }`;
    // The default limit is 15.
    expect((await post({ query: mixed(13, 2) })).body.errors).toBeUndefined();
    expect(codes((await post({ query: mixed(13, 3) })).body)).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('directive overloading: ten copies of an unknown directive are one QUERY_TOO_COMPLEX, not ten errors', async () => {
    const res = await post({ query: 'query { __typename @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }' });
    expect(res.status).toBe(400);
    expect(codes(res.body)).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('a known directive repeated on one field is one QUERY_TOO_COMPLEX', async () => {
    const res = await post({ query: `{ me { id ${'@include(if: true) '.repeat(5)} } }` });
    expect(codes(res.body)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(res.statements).toBe(0);
  });

  it('more directives than MAX_DIRECTIVES, spread over fields, are one QUERY_TOO_COMPLEX', async () => {
    const fields = Array.from({ length: 11 }, (_, i) => `f${i}: __typename @unknown${i}`).join(' ');
    const res = await post({ query: `{ ${fields} }` });
    expect(codes(res.body)).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('leaves ordinary directives alone, and an "@" inside a string is no directive', async () => {
    const res = await post({
      query: `query ($a: Boolean!) { me { id @include(if: $a) roles @include(if: $a) } customers(filter: { search: "@@@@@@@@@@@@@@@@" }, first: 1) { totalCount } }`,
      variables: { a: true },
    });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.me).toMatchObject({ id: staffId('scanner'), roles: expect.any(Array) });
  });

  it('batching: an array of eleven operations is refused whole with BAD_REQUEST', async () => {
    const res = await post(Array.from({ length: 11 }, () => ({ query: 'query { __typename }' })));
    expect(res.status).toBe(400);
    expect(Array.isArray(res.body)).toBe(false);
    expect(codes(res.body)).toEqual(['BAD_REQUEST']);
  });

  it('aliased batching: one root field asked for sixteen times is QUERY_TOO_COMPLEX before any SQL', async () => {
    const id = '7d9f2a52-5f0e-4c4e-9a57-6f4c2f1b2a10';
    const query = `{ ${Array.from({ length: 16 }, (_, i) => `c${i}: customer(id: "${id}") { id name }`).join(' ')} }`;
    const res = await post({ query });
    expect(codes(res.body)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(res.statements).toBe(0);
  });
});

describe('information disclosure', () => {
  it.each([
    ['a misspelt introspection field', 'query { __schema { directive } }'],
    ['a misspelt field', '{ me { idd } }'],
    ['a misspelt argument', '{ customers(frist: 1) { totalCount } }'],
    ['a misspelt type in a fragment', '{ ...F } fragment F on Quer { me { id } }'],
  ])('field suggestions: %s gets no "Did you mean"', async (_case, query) => {
    const res = await post({ query });
    expect(res.status).toBe(400);
    expect(res.body.errors.length).toBeGreaterThan(0);
    expect(res.text).not.toMatch(/did you mean/i);
  });

  it.each([
    ['__schema', '{ __schema { queryType { name } types { name fields { name } } } }'],
    ['__type', '{ __type(name: "Customer") { name fields { name } } }'],
  ])('introspection: %s is refused with BAD_REQUEST', async (_field, query) => {
    const res = await post({ query });
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(codes(res.body)).toContain('BAD_REQUEST');
    expect(res.text).not.toContain('"Customer"');
  });

  it('trace mode: no tracing, ftv1, stack or exception in an answer, even when asked for a trace', async () => {
    const headers = { 'apollo-federation-include-trace': 'ftv1' };
    for (const query of ['query { __typename }', '{ customer(id: "not-a-uuid") { id } }', '{ me { idd } }']) {
      const res = await post({ query }, headers);
      expect(res.body.extensions?.tracing).toBeUndefined();
      expect(res.body.extensions?.ftv1).toBeUndefined();
      expect(res.text).not.toMatch(/stacktrace|exception|ftv1/i);
    }
  });
});

describe('GET and cross-site requests', () => {
  it('a GET query with a CSRF-safe header is answered', async () => {
    const res = await get('{__typename}', PREFLIGHT);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { __typename: 'Query' } });
  });

  it('a GET query without one is refused as a possible CSRF', async () => {
    const res = await get('{__typename}');
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(codes(res.body)).toEqual(['BAD_REQUEST']);
  });

  it.each([
    ['the scanner’s mutation', 'mutation {__typename}'],
    [
      'a real mutation',
      'mutation { assignTag(customerId: "7d9f2a52-5f0e-4c4e-9a57-6f4c2f1b2a10", tagCode: "VIP") { __typename } }',
    ],
  ])('a GET mutation is refused even with a CSRF-safe header: %s', async (_case, query) => {
    const res = await get(query, PREFLIGHT);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(res.body.data).toBeUndefined();
    expect(codes(res.body)).toEqual(['BAD_REQUEST']);
    expect(res.statements).toBe(0);
  });

  it.each([
    ['text/plain', JSON.stringify({ query: 'query {__typename}' })],
    ['application/x-www-form-urlencoded', `query=${encodeURIComponent('query {__typename}')}`],
    [
      'multipart/form-data; boundary=x',
      '--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n{__typename}\r\n--x--\r\n',
    ],
  ])('a simple-request POST as %s without a preflight header is refused', async (contentType, body) => {
    const res = await send({ headers: { 'content-type': contentType }, body });
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(codes(res.body)).toEqual(['BAD_REQUEST']);
  });
});
