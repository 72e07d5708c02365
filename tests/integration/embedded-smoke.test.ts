import { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { signToken } from '../../src/auth/token-issuer';
import { DEVELOPMENT_JWT_SECRET } from '../../src/config';
import { EntryPoint, startEmbeddedEntryPoint } from '../support/embedded-entry-point';
import { CUSTOMER_360_FIELDS } from '../support/queries';
import { staffId } from '../support/staff-ids';

/**
 * `npm start` with no DATABASE_URL: the real entry point, as its own process,
 * on an in-memory embedded PostgreSQL with a small demo set, used as many
 * users would: at once, and again after the pool has closed its idle
 * connections. PGlite is one PostgreSQL session behind every pooled
 * connection, so anything that lives in the session (named prepared
 * statements, an unnamed statement between Parse and Execute) is where
 * concurrency breaks.
 */
const IDLE_TIMEOUT_MS = 300;

describe('the server on the embedded database', () => {
  let server: ChildProcess;
  let url: string;

  let entry: EntryPoint;
  beforeAll(async () => {
    // The pool closes idle connections after this long (pg's default is 10 s): short, so the test meets reconnection quickly.
    entry = await startEmbeddedEntryPoint({ DB_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS) });
    url = entry.url;
    server = entry.process;
  }, 120_000);
  afterAll(() => entry?.stop());

  it('serves demo customers with their 360° view', async () => {
    const token = await signToken({ sub: staffId('smoke'), roles: ['CALL_CENTER_AGENT'] }, DEVELOPMENT_JWT_SECRET);
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: `{ customers(first: 3) { totalCount edges { node { customerNo name tier branch { name } holdings(first: 2) { totalCount } tags { tag { code } } } } } }`,
      }),
    });
    const body = (await res.json()) as any;
    expect(body.errors).toBeUndefined();
    expect(body.data.customers.totalCount).toBe(150);
    expect(body.data.customers.edges).toHaveLength(3);
    expect(body.data.customers.edges[0].node.branch.name).toEqual(expect.any(String));
  });

  const site = (path: string) => url.replace('/graphql', path);
  /** As an auditor, who reads every field in full: each 360° read also writes its audit record. */
  const asAuditor = async (query: string, variables?: Record<string, unknown>) => {
    const token = await signToken(
      { sub: staffId('embedded-auditor'), roles: ['COMPLIANCE_AUDITOR'] },
      DEVELOPMENT_JWT_SECRET,
    );
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, body: (await res.json()) as { data?: any; errors?: any[] } };
  };
  const read360 = (id: string) => asAuditor(`query($id: ID!) { customer(id: $id) { ${CUSTOMER_360_FIELDS} } }`, { id });
  const someIds = async (count: number) =>
    (await asAuditor(`{ customers(first: ${count}) { edges { node { id } } } }`)).body.data.customers.edges.map(
      (e: any) => e.node.id,
    ) as string[];

  it('answers 40 simultaneous 360° reads without an error', async () => {
    const ids = await someIds(40);
    expect(ids).toHaveLength(40);
    const answers = await Promise.all(ids.map(read360));
    const failed = answers.filter((a) => a.status !== 200 || a.body.errors !== undefined);
    expect(failed.map((a) => a.body.errors?.[0]?.extensions?.code)).toEqual([]);
    // Each answer is its own customer's: a statement bound with another connection's parameters would mix them up.
    expect(answers.map((a) => a.body.data.customer.id)).toEqual(ids);
  });

  it('answers reads, and stays ready, after the pool has closed its idle connections', async () => {
    const ids = await someIds(10);
    await Promise.all(ids.slice(0, 10).map(read360));
    await new Promise((resolve) => setTimeout(resolve, IDLE_TIMEOUT_MS * 5));
    for (const round of [1, 2]) {
      const answers = await Promise.all(ids.slice(0, 10).map(read360));
      expect({ round, codes: answers.flatMap((a) => a.body.errors ?? []).map((e) => e.extensions?.code) }).toEqual({
        round,
        codes: [],
      });
      await new Promise((resolve) => setTimeout(resolve, IDLE_TIMEOUT_MS * 5));
    }
    expect((await fetch(site('/readyz'))).status).toBe(200);
  });
  it('logs no error while it serves them: the background loops (the audit sealer chaining every read) keep up', async () => {
    await Promise.all((await someIds(15)).map(read360));
    // The sealer polls every second; give it a few rounds over the records of every read above.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(entry.errorLines).toEqual([]);
  });

  it('reports ready, and stops cleanly on SIGTERM', async () => {
    const ready = await fetch(url.replace('/graphql', '/readyz'));
    expect(ready.status).toBe(200);
    server.kill('SIGTERM');
    const [code] = await once(server, 'exit');
    expect(code).toBe(0);
  });
});
