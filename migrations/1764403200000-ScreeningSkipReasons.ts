import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Screening before any marketing (PRODUCT.md §4): enrollCustomers also skips
 * customers as NOT_ELIGIBLE (AML rating HIGH) and KYC_NOT_CURRENT.
 */
export class ScreeningSkipReasons1764403200000 implements MigrationInterface {
  name = 'ScreeningSkipReasons1764403200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE enrollment_skip DROP CONSTRAINT enrollment_skip_reason_check`);
    await q.query(`
      ALTER TABLE enrollment_skip ADD CONSTRAINT enrollment_skip_reason_check CHECK (reason IN
        ('NO_CONSENT','OPTED_OUT','NOT_ELIGIBLE','KYC_NOT_CURRENT','UNSUITABLE','NO_ASSESSMENT','ASSESSMENT_EXPIRED',
         'AGE_RESTRICTED','ALREADY_ENROLLED'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM enrollment_skip WHERE reason IN ('NOT_ELIGIBLE', 'KYC_NOT_CURRENT')`);
    await q.query(`ALTER TABLE enrollment_skip DROP CONSTRAINT enrollment_skip_reason_check`);
    await q.query(`
      ALTER TABLE enrollment_skip ADD CONSTRAINT enrollment_skip_reason_check CHECK (reason IN
        ('NO_CONSENT','OPTED_OUT','UNSUITABLE','NO_ASSESSMENT','ASSESSMENT_EXPIRED','AGE_RESTRICTED','ALREADY_ENROLLED'))`);
  }
}
