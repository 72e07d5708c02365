import type { TokenClaims } from '../../src/auth/token-issuer';
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
