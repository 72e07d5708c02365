import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Erasure (issue 20, item 6; PIPL Art. 47). An erased customer's row and
 * everything hanging off it are deleted; what a legal hold keeps (identity,
 * holdings with their balances, risk assessments: the AML law's customer
 * identification and transaction records) moves into `held`, outside every
 * read path of the API, until `held_until`, when the nightly run clears it.
 *
 * The row itself stays after that as a tombstone: the bulk load and the
 * change feed refuse a customer number that was erased, so a source system
 * that has not erased it too cannot bring the customer back.
 */
export class CustomerErasure1766131200000 implements MigrationInterface {
  name = 'CustomerErasure1766131200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE customer_erasure (
        customer_id uuid PRIMARY KEY,
        customer_no text NOT NULL UNIQUE,
        reason text NOT NULL CHECK (reason IN
          ('DATA_SUBJECT_REQUEST','CONSENT_WITHDRAWN','PURPOSE_ACHIEVED','SERVICE_ENDED','UNLAWFUL_PROCESSING')),
        erased_at timestamptz(3) NOT NULL DEFAULT now(),
        erased_by text NOT NULL,
        held_until date,
        held jsonb,
        CHECK (held IS NULL OR held_until IS NOT NULL)
      )`);
    // The nightly run clears holds that have run out.
    await q.query(
      `CREATE INDEX customer_erasure_held_until_idx ON customer_erasure (held_until) WHERE held IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE customer_erasure`);
  }
}
