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

    // A run over the book records a skip for most customers (880,000 at a million): the per-row foreign-key
    // checks were a third of a range's time. The rows are written only by the screening statement, from the
    // customers and the campaign it has just read; the skipped list joins the customer anyway.
    await q.query(`ALTER TABLE enrollment_skip DROP CONSTRAINT enrollment_skip_customer_id_fkey`);
    await q.query(`ALTER TABLE enrollment_skip DROP CONSTRAINT enrollment_skip_campaign_id_fkey`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DELETE FROM enrollment_skip s WHERE NOT EXISTS (SELECT 1 FROM customer c WHERE c.id = s.customer_id)`,
    );
    await q.query(
      `DELETE FROM enrollment_skip s WHERE NOT EXISTS (SELECT 1 FROM campaign c WHERE c.id = s.campaign_id)`,
    );
    await q.query(
      `ALTER TABLE enrollment_skip ADD CONSTRAINT enrollment_skip_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customer(id) ON DELETE CASCADE`,
    );
    await q.query(
      `ALTER TABLE enrollment_skip ADD CONSTRAINT enrollment_skip_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES campaign(id) ON DELETE CASCADE`,
    );
    await q.query(`DROP TABLE enrollment_run_chunk`);
    await q.query(`DROP TABLE enrollment_run`);
  }
}
