import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A campaign contact that breached consent is still recorded (it happened),
 * with the rules it breached. Existing interactions carry none: nothing was
 * checked when they were written, and a guess now would be evidence no one
 * gathered. The partial index serves the auditors' exception list, which
 * reads only flagged rows, newest first, however long the history grows.
 * FREQUENCY_CAPPED joins the CHECK when contact caps exist.
 */
export class ContactComplianceFlags1764489600000 implements MigrationInterface {
  name = 'ContactComplianceFlags1764489600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE interaction
        ADD COLUMN compliance_flags text[] NOT NULL DEFAULT '{}'
          CONSTRAINT interaction_compliance_flags_check CHECK (compliance_flags <@ ARRAY['OPTED_OUT','NO_CONSENT']::text[])`);
    await q.query(`
      CREATE INDEX interaction_exception_idx ON interaction (occurred_at DESC, id DESC)
      WHERE compliance_flags <> '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX interaction_exception_idx`);
    await q.query(`ALTER TABLE interaction DROP COLUMN compliance_flags`);
  }
}
