import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Contact frequency caps (issue 19): a campaign contact beyond a cap is
 * recorded with FREQUENCY_CAPPED, and enrolment skips a customer whose
 * monthly cap is reached with the same reason. The partial index holds only
 * what counts against a cap (allowed campaign contacts), by time, so that a
 * month's contacts are one range read, for one customer or for a million
 * candidates at once.
 */
export class ContactCaps1765353600000 implements MigrationInterface {
  name = 'ContactCaps1765353600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE interaction DROP CONSTRAINT interaction_compliance_flags_check`);
    await q.query(`
      ALTER TABLE interaction ADD CONSTRAINT interaction_compliance_flags_check
        CHECK (compliance_flags <@ ARRAY['OPTED_OUT','NO_CONSENT','FREQUENCY_CAPPED']::text[])`);
    await q.query(`ALTER TABLE enrollment_skip DROP CONSTRAINT enrollment_skip_reason_check`);
    await q.query(`
      ALTER TABLE enrollment_skip ADD CONSTRAINT enrollment_skip_reason_check CHECK (reason IN
        ('NO_CONSENT','OPTED_OUT','NOT_ELIGIBLE','KYC_NOT_CURRENT','FREQUENCY_CAPPED','UNSUITABLE','NO_ASSESSMENT',
         'ASSESSMENT_EXPIRED','AGE_RESTRICTED','ALREADY_ENROLLED'))`);
    await q.query(`
      CREATE INDEX interaction_campaign_contact_idx ON interaction (occurred_at, customer_id)
      WHERE type = 'CAMPAIGN_CONTACT' AND compliance_flags = '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX interaction_campaign_contact_idx`);
    await q.query(`DELETE FROM enrollment_skip WHERE reason = 'FREQUENCY_CAPPED'`);
    await q.query(`ALTER TABLE enrollment_skip DROP CONSTRAINT enrollment_skip_reason_check`);
    await q.query(`
      ALTER TABLE enrollment_skip ADD CONSTRAINT enrollment_skip_reason_check CHECK (reason IN
        ('NO_CONSENT','OPTED_OUT','NOT_ELIGIBLE','KYC_NOT_CURRENT','UNSUITABLE','NO_ASSESSMENT','ASSESSMENT_EXPIRED',
         'AGE_RESTRICTED','ALREADY_ENROLLED'))`);
    // The evidence stays: a capped contact keeps its other flags, and its cap is no longer named.
    await q.query(`
      UPDATE interaction SET compliance_flags = array_remove(compliance_flags, 'FREQUENCY_CAPPED')
      WHERE 'FREQUENCY_CAPPED' = ANY(compliance_flags)`);
    await q.query(`ALTER TABLE interaction DROP CONSTRAINT interaction_compliance_flags_check`);
    await q.query(`
      ALTER TABLE interaction ADD CONSTRAINT interaction_compliance_flags_check
        CHECK (compliance_flags <@ ARRAY['OPTED_OUT','NO_CONSENT']::text[])`);
  }
}
