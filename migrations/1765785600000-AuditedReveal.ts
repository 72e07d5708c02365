import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Audited reveal (issue 20, item 1). reveal_quota holds each caller's
 * reveals per business day (Asia/Shanghai): one row per caller and day,
 * taken by one conditional upsert, so two simultaneous reveals cannot both
 * use the last slot (the row lock orders them and the second re-reads the
 * count). The reveals themselves are audit records (operation revealField);
 * auditors list them newest first, hence the partial index.
 */
export class AuditedReveal1765785600000 implements MigrationInterface {
  name = 'AuditedReveal1765785600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE reveal_quota (
        actor_id text NOT NULL,
        business_date date NOT NULL,
        used int NOT NULL CHECK (used >= 0),
        PRIMARY KEY (actor_id, business_date)
      )`);
    // The metric reads today's heaviest callers.
    await q.query(`CREATE INDEX reveal_quota_day_idx ON reveal_quota (business_date, used DESC)`);
    await q.query(
      `CREATE INDEX audit_record_reveal_idx ON audit_record (occurred_at DESC, id DESC) WHERE operation = 'revealField'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX audit_record_reveal_idx`);
    await q.query(`DROP TABLE reveal_quota`);
  }
}
