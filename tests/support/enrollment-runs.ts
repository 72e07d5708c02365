import type { TokenClaims } from '../../src/auth/token-issuer';
import type { DataSource } from 'typeorm';
import type { GraphQLResponse, TestApp } from './test-app';

const ENROLL = `mutation ($c: ID!, $ids: [ID!]) { enrollCustomers(campaignId: $c, customerIds: $ids) { id status } }`;

/**
 * enrollCustomers, then the run followed through Query.enrollmentRun until it
 * has ended (the app must run enrolment runs: `enrollmentRuns: true`). The
 * answer keeps the mutation's shape, `data.enrollCustomers` holding the
 * ended run with `selection`; a refused mutation is answered as it came.
 * `readAs` reads the ended run as someone else: an auditor, whose counts are
 * never withheld (small-cohort suppression withholds a marketing caller's
 * counts over fewer than K_ANONYMITY_MIN customers, as in most tests' runs).
 */
export async function enrollAndWait(
  app: TestApp,
  variables: { c: string; ids?: string[] | null },
  as: TokenClaims,
  selection: string,
  { timeoutMs = 20_000, readAs = as }: { timeoutMs?: number; readAs?: TokenClaims } = {},
): Promise<GraphQLResponse> {
  const started = await app.gql(ENROLL, variables, { as });
  if (started.errors || !started.data?.enrollCustomers) return started;
  const run = await waitForRun(app, started.data.enrollCustomers.id, readAs, selection, { timeoutMs });
  return { ...run, data: { enrollCustomers: run.data.enrollmentRun } };
}

/**
 * Waits (reading the table, so that waiting spends none of the caller's rate
 * limit) until the run is no longer RUNNING, then reads it through
 * Query.enrollmentRun with `selection`.
 */
export async function waitForRun(
  app: TestApp,
  id: string,
  as: TokenClaims,
  selection: string,
  { timeoutMs = 20_000, pollMs = 25 }: { timeoutMs?: number; pollMs?: number } = {},
): Promise<GraphQLResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [run] = await app.ds.query(`SELECT status FROM enrollment_run WHERE id = $1`, [id]);
    if (run?.status !== 'RUNNING') break;
    if (Date.now() > deadline)
      throw new Error(`enrolment run ${id} still RUNNING after ${timeoutMs} ms: is a runner on?`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return app.gql(`query ($id: ID!) { enrollmentRun(id: $id) { status ${selection} } }`, { id }, { as });
}

/**
 * True once some statement of this database waits for an advisory lock (the screening lock) while `pending`
 * has not ended; false if it ends first, or nothing waits within 5 s.
 */
export async function waitsForAdvisoryLock(ds: DataSource, pending: Promise<unknown>): Promise<boolean> {
  let settled = false;
  pending.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let tries = 0; tries < 250 && !settled; tries++) {
    const [{ waiting }] = await ds.query(
      `SELECT count(*)::int AS waiting FROM pg_locks
       WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    if (waiting > 0) return !settled;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}
