import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the bank's systems deliver (nightly files and a change feed) needs
 * natural keys to upsert by and a place for daily balances:
 * - interactions from a source system carry that system's reference, so that
 *   a re-delivered login or transaction is the same row (interactions
 *   recorded through the API have none);
 * - an assessment is identified by its customer and the time it was taken;
 * - daily balances per holding, from which monthly AUM snapshots are derived;
 * - customers whose derived segment columns must be recomputed, written in
 *   the same transaction as the change and drained off the request path.
 */
export class DataIn1764662400000 implements MigrationInterface {
  name = 'DataIn1764662400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE interaction ADD COLUMN source_system text, ADD COLUMN source_ref text`);
    await q.query(`ALTER TABLE interaction ADD CONSTRAINT interaction_source_ref_pair
      CHECK ((source_system IS NULL) = (source_ref IS NULL))`);
    await q.query(
      `CREATE UNIQUE INDEX interaction_source_ref_key ON interaction (source_system, source_ref) WHERE source_ref IS NOT NULL`,
    );

    await q.query(`CREATE UNIQUE INDEX risk_assessment_natural_key ON risk_assessment (customer_id, assessed_at)`);

    await q.query(`
      CREATE TABLE holding_daily_balance (
        holding_id uuid NOT NULL REFERENCES holding(id) ON DELETE CASCADE,
        balance_date date NOT NULL,
        balance numeric(18,2) NOT NULL CHECK (balance >= 0),
        PRIMARY KEY (holding_id, balance_date)
      )`);

    await q.query(`
      CREATE TABLE segment_refresh_request (
        customer_id uuid PRIMARY KEY REFERENCES customer(id) ON DELETE CASCADE,
        requested_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX segment_refresh_request_age_idx ON segment_refresh_request (requested_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS segment_refresh_request`);
    await q.query(`DROP TABLE IF EXISTS holding_daily_balance`);
    await q.query(`DROP INDEX IF EXISTS risk_assessment_natural_key`);
    await q.query(`DROP INDEX IF EXISTS interaction_source_ref_key`);
    await q.query(`ALTER TABLE interaction DROP CONSTRAINT IF EXISTS interaction_source_ref_pair,
      DROP COLUMN IF EXISTS source_ref, DROP COLUMN IF EXISTS source_system`);
  }
}
