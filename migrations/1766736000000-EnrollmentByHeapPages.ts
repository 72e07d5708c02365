import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Enrolment runs over the whole book in ranges of `customer`'s heap pages
 * rather than of ids (issue 18 item 4, bench/results/enrollment-run.md):
 * ids are random UUIDs, so a range of ids touched half the heap pages of
 * customer, consent and risk_assessment, and the book's heaps were read
 * 15–25 times over per run.
 *
 * A range screens the rows of its pages that existed when the run was
 * planned (a row's xmin older than the run's `screened_since`: such a row
 * has not moved since). A customer updated or added after the plan has a
 * new row, perhaps in a range already done, so a last sweep screens the
 * rows newer than the plan that this run has not screened yet: enrolments
 * made by a run name it (`campaign_enrollment.run_id`), skips already did.
 *
 * Skip rows lose their row-level foreign keys: checking them cost a fifth
 * of a range and locked (dirtied) every customer row screened. What they
 * guaranteed is kept by locking and statement-level triggers:
 * - a range holds `enrollment_screening_lock()` (shared) while it screens;
 *   whoever deletes customers holds it exclusively first (erasure takes it
 *   before anything else, the trigger below for any other deleter), so a
 *   range never writes a skip for a customer deleted under it;
 * - deleting customers or campaigns deletes their skip rows (the cascade).
 * The campaign of a range is held FOR SHARE by the range, so it cannot be
 * deleted under it.
 *
 * The FREQUENCY_CAPPED rule counts each candidate's allowed campaign
 * contacts of the month: an index of those contacts by customer answers it
 * from the index alone, where the index of all interactions by customer and
 * type sent each probe to the interaction heap (1.7 s of a 3.5 s range at
 * 1,000,000 customers).
 */
export class EnrollmentByHeapPages1766736000000 implements MigrationInterface {
  name = 'EnrollmentByHeapPages1766736000000';

  async up(q: QueryRunner): Promise<void> {
    // A run planned by ids cannot be carried on by pages: let the servers that run it finish it first.
    const [{ planned }] = await q.query(
      `SELECT count(*)::int AS planned FROM enrollment_run WHERE status = 'RUNNING' AND customer_ids IS NULL AND total IS NOT NULL`,
    );
    if (planned > 0) throw new Error(`${planned} enrolment run(s) planned by customer ids are still RUNNING; migrate once they end`);
    await q.query(`ALTER TABLE enrollment_run ADD COLUMN screened_since xid8`);
    await q.query(`
      ALTER TABLE enrollment_run_chunk
        ADD COLUMN from_page int,
        ADD COLUMN to_page int,
        ADD COLUMN sweep boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE campaign_enrollment ADD COLUMN run_id uuid`);
    await q.query(`
      CREATE INDEX interaction_campaign_contact_customer_idx ON interaction (customer_id, occurred_at)
      WHERE type = 'CAMPAIGN_CONTACT' AND compliance_flags = '{}'`);
    await q.query(`
      ALTER TABLE enrollment_skip
        DROP CONSTRAINT enrollment_skip_customer_id_fkey,
        DROP CONSTRAINT enrollment_skip_campaign_id_fkey`);
    // One key for the lock, in one place; the argument says which side takes it.
    await q.query(`
      CREATE FUNCTION enrollment_screening_lock(exclusive boolean) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        IF exclusive THEN PERFORM pg_advisory_xact_lock(7266736000000);
        ELSE PERFORM pg_advisory_xact_lock_shared(7266736000000);
        END IF;
      END $$`);
    await q.query(`
      CREATE FUNCTION enrollment_skip_of_deleted_customers() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM enrollment_screening_lock(true);
        DELETE FROM enrollment_skip s USING gone g WHERE s.customer_id = g.id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER enrollment_skip_of_deleted_customers AFTER DELETE ON customer
      REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION enrollment_skip_of_deleted_customers()`);
    await q.query(`
      CREATE FUNCTION enrollment_skip_of_deleted_campaigns() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM enrollment_skip s USING gone g WHERE s.campaign_id = g.id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER enrollment_skip_of_deleted_campaigns AFTER DELETE ON campaign
      REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION enrollment_skip_of_deleted_campaigns()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER enrollment_skip_of_deleted_campaigns ON campaign`);
    await q.query(`DROP FUNCTION enrollment_skip_of_deleted_campaigns()`);
    await q.query(`DROP TRIGGER enrollment_skip_of_deleted_customers ON customer`);
    await q.query(`DROP FUNCTION enrollment_skip_of_deleted_customers()`);
    await q.query(`DROP FUNCTION enrollment_screening_lock(boolean)`);
    await q.query(`DELETE FROM enrollment_skip s WHERE NOT EXISTS (SELECT 1 FROM customer c WHERE c.id = s.customer_id)`);
    await q.query(`
      ALTER TABLE enrollment_skip
        ADD CONSTRAINT enrollment_skip_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customer(id) ON DELETE CASCADE,
        ADD CONSTRAINT enrollment_skip_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES campaign(id) ON DELETE CASCADE`);
    await q.query(`DROP INDEX interaction_campaign_contact_customer_idx`);
    await q.query(`ALTER TABLE campaign_enrollment DROP COLUMN run_id`);
    await q.query(`ALTER TABLE enrollment_run_chunk DROP COLUMN sweep, DROP COLUMN to_page, DROP COLUMN from_page`);
    await q.query(`ALTER TABLE enrollment_run DROP COLUMN screened_since`);
  }
}
