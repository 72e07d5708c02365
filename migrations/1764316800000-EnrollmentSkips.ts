import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * enrollCustomers reports every customer it skipped, with the reason, as a
 * connection the client pages through after the mutation: the skips of one
 * run are kept here under the run's id.
 */
export class EnrollmentSkips1764316800000 implements MigrationInterface {
  name = 'EnrollmentSkips1764316800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE enrollment_skip (
        run_id uuid NOT NULL,
        customer_id uuid NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
        campaign_id uuid NOT NULL REFERENCES campaign(id) ON DELETE CASCADE,
        reason text NOT NULL CHECK (reason IN
          ('NO_CONSENT','OPTED_OUT','UNSUITABLE','NO_ASSESSMENT','ASSESSMENT_EXPIRED','AGE_RESTRICTED','ALREADY_ENROLLED')),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (run_id, customer_id)
      )`);
    await q.query(`CREATE INDEX enrollment_skip_campaign_idx ON enrollment_skip (campaign_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE enrollment_skip`);
  }
}
