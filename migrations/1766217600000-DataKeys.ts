import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Encrypted personal data at rest (issue 20, item 4). Data keys, one active
 * per scope (a table), stored only wrapped by a master key that never
 * reaches the database (privacy/encryption). Lead phones are the first
 * encrypted column: its format check moves to the API (a ciphertext is not
 * a phone number); rows written before stay readable as they are until
 * `npm run keys:rotate -- --scope lead` encrypts them.
 */
export class DataKeys1766217600000 implements MigrationInterface {
  name = 'DataKeys1766217600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE data_key (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        scope text NOT NULL,
        master_key_id text NOT NULL,
        wrapped bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        retired_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX data_key_active_idx ON data_key (scope) WHERE retired_at IS NULL`);
    await q.query(`ALTER TABLE lead DROP CONSTRAINT lead_phone_check`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE lead ADD CONSTRAINT lead_phone_check CHECK (phone ~ '^1[3-9][0-9]{9}$') NOT VALID`);
    await q.query(`DROP TABLE data_key`);
  }
}
