import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Enrolment runs over the whole book in ranges of customer ids again, each
 * range read from covering indexes (issue 18 item 4,
 * bench/results/enrollment-run.md, 2026-12-02 05:40Z): with ranges of heap
 * pages, each candidate's consents, assessment and contacts were probed by
 * customer id, and ids being random UUIDs, each probe read its own index
 * leaf page, so every range read each index about whole. A range of ids is
 * one walk of a range of each index; with the facts the rules read included
 * in the index, the heaps are not read at all (on pages all-visible).
 *
 * An id never changes, so a range screens its customers as they are when it
 * runs; the sweep is left with the customers added after the plan into a
 * range already done.
 */
export class EnrollmentByIdRanges1766822404000 implements MigrationInterface {
  name = 'EnrollmentByIdRanges1766822404000';

  async up(q: QueryRunner): Promise<void> {
    await refuseRunningPlans(q, 'pages');
    // after_id and through_id are the first runs' bounds, unused since 1766736000000.
    await q.query(`
      ALTER TABLE enrollment_run_chunk
        DROP COLUMN from_page, DROP COLUMN to_page, DROP COLUMN after_id, DROP COLUMN through_id,
        ADD COLUMN from_id uuid, ADD COLUMN to_id uuid`);
    // Only granted consents decide (a refusal and no row are alike to the rules).
    await q.query(`CREATE INDEX consent_granted_customer_idx ON consent (customer_id) INCLUDE (purpose, channel) WHERE granted`);
    await q.query(`DROP INDEX risk_assessment_latest_idx`);
    await q.query(`
      CREATE INDEX risk_assessment_latest_idx ON risk_assessment (customer_id, assessed_at DESC, id DESC)
      INCLUDE (risk_tolerance, valid_until, aml_rating)`);
    // The customer's columns the rules read, and the target criteria that change seldom (tier, lifecycle stage);
    // AUM, which changes with every holding, is left out so that its updates stay HOT.
    await q.query(`
      CREATE INDEX customer_screening_idx ON customer (id)
      INCLUDE (birth_date, kyc_status, personalised_marketing_withdrawn, tier, lifecycle_stage)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await refuseRunningPlans(q, 'ids');
    await q.query(`DROP INDEX customer_screening_idx`);
    await q.query(`DROP INDEX risk_assessment_latest_idx`);
    await q.query(`CREATE INDEX risk_assessment_latest_idx ON risk_assessment (customer_id, assessed_at DESC, id DESC)`);
    await q.query(`DROP INDEX consent_granted_customer_idx`);
    await q.query(`
      ALTER TABLE enrollment_run_chunk
        DROP COLUMN to_id, DROP COLUMN from_id, ADD COLUMN after_id uuid, ADD COLUMN through_id uuid,
        ADD COLUMN from_page int, ADD COLUMN to_page int`);
  }
}

/** A run planned one way cannot be carried on the other: let the servers that run it finish it first. */
async function refuseRunningPlans(q: QueryRunner, plannedBy: string): Promise<void> {
  const [{ planned }] = await q.query(
    `SELECT count(*)::int AS planned FROM enrollment_run WHERE status = 'RUNNING' AND customer_ids IS NULL AND total IS NOT NULL`,
  );
  if (planned > 0) {
    throw new Error(`${planned} enrolment run(s) planned by ${plannedBy} are still RUNNING; migrate once they end`);
  }
}
