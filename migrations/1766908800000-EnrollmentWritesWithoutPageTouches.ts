import { MigrationInterface, QueryRunner } from 'typeorm';

const SKIP_REASONS = `('NO_CONSENT','OPTED_OUT','NOT_ELIGIBLE','KYC_NOT_CURRENT','FREQUENCY_CAPPED','UNSUITABLE',
  'NO_ASSESSMENT','ASSESSMENT_EXPIRED','AGE_RESTRICTED','ALREADY_ENROLLED')`;

/**
 * An enrolment run's writes touch as few pages as its rows need (issue 18
 * item 4, bench/results/enrollment-run.md, 2026-12-02 11:25Z). A range of
 * 25,000 customers wrote 26–50 MB of WAL, mostly whole pages logged on their
 * first change after a checkpoint, for ~2,500 enrolments and ~22,500 skips:
 *
 * - An enrolment's and an outbox event's id were random (gen_random_uuid), so
 *   each insert changed its own leaf page of a large index. uuid_v7() puts
 *   the time first: a run's new ids go to the index's right edge.
 * - The enrolment's foreign keys locked each referenced customer row
 *   (FOR KEY SHARE), which writes the lock into the customer's heap page:
 *   one page per enrolment. They are checked per statement instead, without
 *   locking rows (campaign_enrollment_references), and the deletions they
 *   cascaded are done by the deleters' statement triggers, which already
 *   removed the skips (1766736000000), and by TRUNCATE triggers. The check
 *   takes enrollment_screening_lock shared, a deleter exclusively before its
 *   first row: a customer or campaign is never deleted between the check and
 *   the commit.
 * - A skip was a row per customer with two index entries; now a range's skips
 *   are one row per reason holding the customers' ids (`customer_ids`), and
 *   the view enrollment_skip_row reads them one per customer as before.
 */
export class EnrollmentWritesWithoutPageTouches1766908800000 implements MigrationInterface {
  name = 'EnrollmentWritesWithoutPageTouches1766908800000';

  async up(q: QueryRunner): Promise<void> {
    // RFC 9562 version 7: 48 bits of Unix milliseconds, then random bits (version and variant set).
    await q.query(`
      CREATE FUNCTION uuid_v7() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
        SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
          PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3) FROM 1 FOR 6),
          52, 1), 53, 1), 'hex')::uuid
      $$`);
    await q.query(`ALTER TABLE campaign_enrollment ALTER COLUMN id SET DEFAULT uuid_v7()`);
    await q.query(`ALTER TABLE outbox_event ALTER COLUMN event_id SET DEFAULT uuid_v7()`);

    await q.query(`
      ALTER TABLE campaign_enrollment
        DROP CONSTRAINT campaign_enrollment_customer_id_fkey,
        DROP CONSTRAINT campaign_enrollment_campaign_id_fkey`);
    // The foreign keys' check, per statement and without row locks; 23503 like theirs.
    await q.query(`
      CREATE FUNCTION campaign_enrollment_references() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- Deleters of customers and campaigns wait for it, so what is checked here is there at commit.
        PERFORM enrollment_screening_lock(false);
        IF EXISTS (SELECT 1 FROM added a WHERE NOT EXISTS (SELECT 1 FROM customer c WHERE c.id = a.customer_id)) THEN
          RAISE foreign_key_violation USING MESSAGE = 'an enrolment names a customer that does not exist',
            CONSTRAINT = 'campaign_enrollment_customer_id_fkey', TABLE = 'campaign_enrollment';
        END IF;
        IF EXISTS (SELECT 1 FROM added a WHERE NOT EXISTS (SELECT 1 FROM campaign c WHERE c.id = a.campaign_id)) THEN
          RAISE foreign_key_violation USING MESSAGE = 'an enrolment names a campaign that does not exist',
            CONSTRAINT = 'campaign_enrollment_campaign_id_fkey', TABLE = 'campaign_enrollment';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER campaign_enrollment_references AFTER INSERT ON campaign_enrollment
      REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION campaign_enrollment_references()`);
    // The check above sees inserts only: an enrolment's customer and campaign never change, nor do their ids.
    await q.query(`
      CREATE FUNCTION refuse_changed_reference() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE foreign_key_violation USING MESSAGE = TG_TABLE_NAME || ': ' || TG_ARGV[0] || ' never changes';
      END $$`);
    await q.query(`
      CREATE TRIGGER campaign_enrollment_references_fixed BEFORE UPDATE OF customer_id, campaign_id ON campaign_enrollment
      FOR EACH ROW WHEN (OLD.customer_id IS DISTINCT FROM NEW.customer_id OR OLD.campaign_id IS DISTINCT FROM NEW.campaign_id)
      EXECUTE FUNCTION refuse_changed_reference('an enrolment''s customer and campaign')`);
    for (const table of ['customer', 'campaign']) {
      await q.query(`
        CREATE TRIGGER ${table}_id_fixed BEFORE UPDATE OF id ON ${table}
        FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION refuse_changed_reference('id')`);
    }

    await q.query(`ALTER TABLE enrollment_skip RENAME TO enrollment_skip_by_customer`);
    await q.query(`ALTER INDEX enrollment_skip_pkey RENAME TO enrollment_skip_by_customer_pkey`);
    await q.query(`ALTER INDEX enrollment_skip_campaign_idx RENAME TO enrollment_skip_by_customer_campaign_idx`);
    // part: the run's enrollment_run_chunk.seq that screened them (below zero: recorded before this migration).
    await q.query(`
      CREATE TABLE enrollment_skip (
        run_id uuid NOT NULL,
        part int NOT NULL,
        reason text NOT NULL CHECK (reason IN ${SKIP_REASONS}),
        campaign_id uuid NOT NULL,
        customer_ids uuid[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (run_id, part, reason)
      )`);
    await q.query(`CREATE INDEX enrollment_skip_campaign_idx ON enrollment_skip (campaign_id)`);
    // Skips recorded before keep their time (retention counts from it): one row per time. Their parts are
    // numbered below zero, apart from the ranges (seq 0 and up) a run in flight has still to write.
    await q.query(`
      INSERT INTO enrollment_skip (run_id, part, reason, campaign_id, customer_ids, created_at)
      SELECT run_id, -(row_number() OVER (PARTITION BY run_id, reason ORDER BY created_at))::int, reason, campaign_id,
        ids, created_at
      FROM (SELECT run_id, reason, campaign_id, created_at, array_agg(customer_id ORDER BY customer_id) AS ids
            FROM enrollment_skip_by_customer GROUP BY run_id, reason, campaign_id, created_at) g`);
    await q.query(`DROP TABLE enrollment_skip_by_customer`);
    await q.query(`
      CREATE VIEW enrollment_skip_row AS
      SELECT s.run_id, s.part, u.customer_id, s.campaign_id, s.reason, s.created_at
      FROM enrollment_skip s CROSS JOIN LATERAL unnest(s.customer_ids) AS u(customer_id)`);

    // What the foreign keys' ON DELETE CASCADE did for enrolments, beside what these did for skips.
    await q.query(`DROP TRIGGER enrollment_skip_of_deleted_customers ON customer`);
    await q.query(`DROP FUNCTION enrollment_skip_of_deleted_customers()`);
    await q.query(`DROP TRIGGER enrollment_skip_of_deleted_campaigns ON campaign`);
    await q.query(`DROP FUNCTION enrollment_skip_of_deleted_campaigns()`);
    // A deleter takes the lock before its first row, as erasure does: holding a deleted campaign's row while
    // waiting for a range that waits for that row (FOR SHARE, EnrollmentJob.step) would deadlock.
    await q.query(`
      CREATE FUNCTION enrollment_screening_lock_for_deleters() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM enrollment_screening_lock(true);
        RETURN NULL;
      END $$`);
    // A TRUNCATE ... CASCADE reached enrolments by their foreign keys; it empties them and the skips here.
    await q.query(`
      CREATE FUNCTION enrollment_rows_of_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        TRUNCATE campaign_enrollment, enrollment_skip;
        RETURN NULL;
      END $$`);
    for (const table of ['customer', 'campaign']) {
      await q.query(`
        CREATE TRIGGER ${table}_deleters_take_screening_lock BEFORE DELETE OR TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION enrollment_screening_lock_for_deleters()`);
      await q.query(`
        CREATE TRIGGER enrollment_rows_of_truncated_${table} AFTER TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION enrollment_rows_of_truncated()`);
    }
    await q.query(`
      CREATE FUNCTION enrollment_rows_of_deleted_customers() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM campaign_enrollment e USING gone g WHERE e.customer_id = g.id;
        UPDATE enrollment_skip s
          SET customer_ids = ARRAY(SELECT u FROM unnest(s.customer_ids) u WHERE u NOT IN (SELECT id FROM gone))
          WHERE s.customer_ids && ARRAY(SELECT id FROM gone);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER enrollment_rows_of_deleted_customers AFTER DELETE ON customer
      REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION enrollment_rows_of_deleted_customers()`);
    await q.query(`
      CREATE FUNCTION enrollment_rows_of_deleted_campaigns() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM campaign_enrollment e USING gone g WHERE e.campaign_id = g.id;
        DELETE FROM enrollment_skip s USING gone g WHERE s.campaign_id = g.id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER enrollment_rows_of_deleted_campaigns AFTER DELETE ON campaign
      REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION enrollment_rows_of_deleted_campaigns()`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['customer', 'campaign']) {
      await q.query(`DROP TRIGGER enrollment_rows_of_truncated_${table} ON ${table}`);
      await q.query(`DROP TRIGGER ${table}_deleters_take_screening_lock ON ${table}`);
    }
    await q.query(`DROP FUNCTION enrollment_rows_of_truncated()`);
    await q.query(`DROP FUNCTION enrollment_screening_lock_for_deleters()`);
    await q.query(`DROP TRIGGER enrollment_rows_of_deleted_campaigns ON campaign`);
    await q.query(`DROP FUNCTION enrollment_rows_of_deleted_campaigns()`);
    await q.query(`DROP TRIGGER enrollment_rows_of_deleted_customers ON customer`);
    await q.query(`DROP FUNCTION enrollment_rows_of_deleted_customers()`);
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

    await q.query(`DROP VIEW enrollment_skip_row`);
    await q.query(`ALTER TABLE enrollment_skip RENAME TO enrollment_skip_by_reason`);
    await q.query(`ALTER INDEX enrollment_skip_pkey RENAME TO enrollment_skip_by_reason_pkey`);
    await q.query(`ALTER INDEX enrollment_skip_campaign_idx RENAME TO enrollment_skip_by_reason_campaign_idx`);
    await q.query(`
      CREATE TABLE enrollment_skip (
        run_id uuid NOT NULL,
        customer_id uuid NOT NULL,
        campaign_id uuid NOT NULL,
        reason text NOT NULL CHECK (reason IN ${SKIP_REASONS}),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (run_id, customer_id)
      )`);
    await q.query(`CREATE INDEX enrollment_skip_campaign_idx ON enrollment_skip (campaign_id, created_at)`);
    await q.query(`
      INSERT INTO enrollment_skip (run_id, customer_id, campaign_id, reason, created_at)
      SELECT s.run_id, u.customer_id, s.campaign_id, s.reason, s.created_at
      FROM enrollment_skip_by_reason s CROSS JOIN LATERAL unnest(s.customer_ids) AS u(customer_id)`);
    await q.query(`DROP TABLE enrollment_skip_by_reason`);

    for (const table of ['customer', 'campaign']) await q.query(`DROP TRIGGER ${table}_id_fixed ON ${table}`);
    await q.query(`DROP TRIGGER campaign_enrollment_references_fixed ON campaign_enrollment`);
    await q.query(`DROP FUNCTION refuse_changed_reference()`);
    await q.query(`DROP TRIGGER campaign_enrollment_references ON campaign_enrollment`);
    await q.query(`DROP FUNCTION campaign_enrollment_references()`);
    await q.query(`
      DELETE FROM campaign_enrollment e
      WHERE NOT EXISTS (SELECT 1 FROM customer c WHERE c.id = e.customer_id)
         OR NOT EXISTS (SELECT 1 FROM campaign k WHERE k.id = e.campaign_id)`);
    await q.query(`
      ALTER TABLE campaign_enrollment
        ADD CONSTRAINT campaign_enrollment_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customer(id) ON DELETE CASCADE,
        ADD CONSTRAINT campaign_enrollment_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES campaign(id) ON DELETE CASCADE`);
    await q.query(`ALTER TABLE outbox_event ALTER COLUMN event_id SET DEFAULT gen_random_uuid()`);
    await q.query(`ALTER TABLE campaign_enrollment ALTER COLUMN id SET DEFAULT gen_random_uuid()`);
    await q.query(`DROP FUNCTION uuid_v7()`);
  }
}
