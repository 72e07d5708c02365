import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * enrollCustomers as a job (issue 18, item 4): a run over the whole book
 * outlives any request's statement timeout, so the mutation records a run
 * and a job runner in some server process screens and enrols the book,
 * range by range (chunks), on several connections.
 *
 * A run is held by a lease (owner, expiry) that its runner's heartbeat
 * extends; a run whose lease lapsed (its server died) is claimed by another.
 * A chunk commits with its enrolments, its skips and its counts, or not at
 * all, so whoever takes a run over carries on from the chunks not done.
 */
export class EnrollmentRuns1765180800000 implements MigrationInterface {
  name = 'EnrollmentRuns1765180800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE enrollment_run (
        id uuid PRIMARY KEY,
        campaign_id uuid NOT NULL REFERENCES campaign(id) ON DELETE CASCADE,
        requested_by text NOT NULL,
        requested_roles text[] NOT NULL,
        request_id text NOT NULL,
        customer_ids uuid[],
        listed_scope jsonb,
        business_date date NOT NULL,
        status text NOT NULL DEFAULT 'RUNNING' CHECK (status IN ('RUNNING','SUCCEEDED','FAILED')),
        total int,
        done int NOT NULL DEFAULT 0,
        enrolled int,
        skipped jsonb,
        failure_reason text CHECK (failure_reason IN ('CAMPAIGN_NOT_ENROLLABLE','TIMED_OUT','ABANDONED','INTERNAL_ERROR')),
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        lease_owner text,
        lease_expires_at timestamptz,
        claims int NOT NULL DEFAULT 0,
        CHECK ((status = 'RUNNING') = (finished_at IS NULL)),
        CHECK ((status = 'FAILED') = (failure_reason IS NOT NULL))
      )`);
    // At most one run per campaign at a time: a second enrollCustomers is CONFLICT.
    await q.query(
      `CREATE UNIQUE INDEX enrollment_run_one_running ON enrollment_run (campaign_id) WHERE status = 'RUNNING'`,
    );
    await q.query(
      `CREATE INDEX enrollment_run_claimable ON enrollment_run (lease_expires_at) WHERE status = 'RUNNING'`,
    );
    await q.query(`
      CREATE TABLE enrollment_run_chunk (
        run_id uuid NOT NULL REFERENCES enrollment_run(id) ON DELETE CASCADE,
        seq int NOT NULL,
        after_id uuid,
        through_id uuid,
        size int NOT NULL,
        done boolean NOT NULL DEFAULT false,
        enrolled int,
        skipped jsonb,
        causes jsonb,
        PRIMARY KEY (run_id, seq)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE enrollment_run_chunk`);
    await q.query(`DROP TABLE enrollment_run`);
  }
}
