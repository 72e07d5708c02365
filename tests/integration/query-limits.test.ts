import { countStatements } from '../support/sql-counter';
import { useTestApp } from '../support/test-app';
import { staffId } from '../support/staff-ids';

const { app } = useTestApp({ MAX_BATCH_OPERATIONS: '3', MAX_BODY_BYTES: '20000' });

/** Sends a body as is, and counts the SQL it caused: a refused query must cost the database nothing. */
async function send(body: unknown) {
  const token = await app.token({ sub: staffId('limits'), roles: ['COMPLIANCE_AUDITOR'] });
  const counter = countStatements();
  try {
    const res = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, body: JSON.parse(text), statements: counter.statements.length };
  } finally {
    counter.restore();
  }
}

const repeat = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join(' ');

describe('malicious queries are refused before any resolver runs', () => {
  it.each([
    [
      'deep nesting',
      `{ __type(name: "Customer") { fields { type { ${'ofType { '.repeat(12)}name${' }'.repeat(12)} } } } }`,
    ],
    ['an alias flood', `{ ${repeat(100, (i) => `a${i}: me { id }`)} }`],
    ['a directive flood', `{ me { ${repeat(11, (i) => `f${i}: id @include(if: true)`)} } }`],
    ['a huge first', `{ customers(first: 1000000) { edges { node { id } } } }`],
    [
      'pages multiplied by pages',
      `{ customers(first: 100) { edges { node { holdings(first: 100) { edges { node { id balance product { code name } } } } } } } }`,
    ],
    [
      'fragments that multiply each other',
      `{ ...F0 } ${repeat(25, (i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`)} fragment F25 on Query { me { id } }`,
    ],
    ['too many tokens', `{ me { ${'id '.repeat(2500)} } }`],
  ])('%s: QUERY_TOO_COMPLEX', async (_name, query) => {
    const res = await send({ query });
    expect(res.body.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'QUERY_TOO_COMPLEX' }) }),
    ]);
    expect(res.body.data).toBeUndefined();
    expect(res.statements).toBe(0);
  });

  it('counts `first` from variables too', async () => {
    const res = await send({
      query: `query ($n: Int) { customers(first: $n) { edges { node { id } } } }`,
      variables: { n: 100_000_000 },
    });
    expect(res.body.errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    expect(res.statements).toBe(0);
  });

  it('prices the same document again when `first` or an @include condition changes', async () => {
    const query = `query ($n: Int, $deep: Boolean!) {
      customers(first: $n) {
        edges { node { id holdings(first: 100) @include(if: $deep) { edges { node { id balance product { code name } } } } } }
      }
    }`;
    const cheap = await send({ query, variables: { n: 5, deep: true } });
    expect(cheap.body.errors).toBeUndefined();
    // The same text, so the same parsed document: a cost remembered for it must not answer for other values.
    const huge = await send({ query, variables: { n: 100_000_000, deep: false } });
    expect(huge.body.errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    const shallow = await send({ query, variables: { n: 100, deep: false } });
    expect(shallow.body.errors).toBeUndefined();
    const deep = await send({ query, variables: { n: 100, deep: true } });
    expect(deep.body.errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    expect(deep.statements).toBe(0);
  });

  it('prices an omitted variable by its default, not as the null sent before', async () => {
    const query = `query Q($n: Int = 100) {
      customers(first: $n) {
        edges { node { id holdings(first: $n) { edges { node { id balance } } } interactions(first: $n) { edges { node { id } } } } }
      }
    }`;
    // null: first falls back to the default page; this cost must not answer for the omitted variable below.
    const withNull = await send({ query, variables: { n: null } });
    expect(withNull.body.errors).toBeUndefined();
    const omitted = await send({ query, variables: {} });
    expect(omitted.body.errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    expect(omitted.statements).toBe(0);
  });

  it('variables of the wrong type: BAD_USER_INPUT, not an internal error', async () => {
    for (const variables of [{ n: 'abc' }, {}]) {
      const res = await send({ query: `query ($n: Int!) { customers(first: $n) { totalCount } }`, variables });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
  });

  it('a batch shares one cost budget', async () => {
    // About 24,000 each: one fits the default budget of 50,000, three do not.
    const page = {
      query:
        '{ customers(first: 100) { edges { node { holdings(first: 40) { edges { node { id balance product { code } } } } } } } }',
    };
    expect((await send([page])).body[0].errors).toBeUndefined();
    const res = await send([page, page, page]);
    expect(res.body.some((r: any) => r.errors?.[0].extensions.code === 'QUERY_TOO_COMPLEX')).toBe(true);
  });

  it('circular fragments: BAD_REQUEST from validation', async () => {
    const res = await send({ query: `{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }` });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(res.statements).toBe(0);
  });

  it('a batch over the limit: BAD_REQUEST', async () => {
    const res = await send(Array.from({ length: 50 }, () => ({ query: '{ me { id } }' })));
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(res.statements).toBe(0);
  });

  it('a batch within the limit runs each operation', async () => {
    const res = await send(Array.from({ length: 3 }, () => ({ query: '{ me { id } }' })));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(Array.from({ length: 3 }, () => ({ data: { me: { id: staffId('limits') } } })));
  });

  it('an oversized body: 413 BAD_REQUEST', async () => {
    const res = await send({ query: '{ me { id } }', variables: { pad: 'x'.repeat(25_000) } });
    expect(res.status).toBe(413);
    expect(res.body.errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('leaves ordinary screens alone: a page of 50 with tags and holdings', async () => {
    const res = await send({
      query: `{ customers(first: 50) { totalCount edges { node { id name tier tags { tag { code name } source }
        holdings(first: 10) { edges { node { id balance product { code type riskLevel } } } } } } } }`,
    });
    expect(res.body.errors).toBeUndefined();
  });
});

describe('limits are configuration', () => {
  const strict = useTestApp({ MAX_QUERY_DEPTH: '5', MAX_ALIASES: '1', MAX_QUERY_COST: '10' }).app;

  it.each([
    ['depth', `{ __type(name: "Customer") { fields { type { ofType { ofType { name } } } } } }`, /depth/],
    ['aliases', `{ a: me { id } b: me { id } }`, /alias/i],
    ['cost', `{ customers(first: 5) { edges { node { id name } } } }`, /cost/],
  ])('%s', async (_limit, query, message) => {
    const res = await strict.gql(query);
    expect(res.errors?.[0]).toMatchObject({
      extensions: { code: 'QUERY_TOO_COMPLEX' },
      message: expect.stringMatching(message),
    });
  });
});
