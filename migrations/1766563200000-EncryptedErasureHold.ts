import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An erased customer's legally held records (identity with the ID number,
 * holdings with account numbers) are the most sensitive rows left: they are
 * stored encrypted like the columns they came from (scope `customer_erasure`,
 * src/privacy/encryption). The column becomes text, since a ciphertext is
 * not JSON; a hold written before stays readable as plaintext JSON until
 * `npm run keys:rotate -- --scope customer_erasure` encrypts it.
 */
export class EncryptedErasureHold1766563200000 implements MigrationInterface {
  name = 'EncryptedErasureHold1766563200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE customer_erasure ALTER COLUMN held TYPE text USING held::text`);
  }

  async down(q: QueryRunner): Promise<void> {
    // A hold encrypted since cannot become JSON in SQL: rotate it back to plaintext first (no tool does), or lose it.
    await q.query(`UPDATE customer_erasure SET held = NULL WHERE held LIKE 'enc1:%'`);
    await q.query(`ALTER TABLE customer_erasure ALTER COLUMN held TYPE jsonb USING held::jsonb`);
  }
}
