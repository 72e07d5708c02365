import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Customer and holding personal data encrypted at rest (issue 20, item 4):
 * customer ID numbers, phones, emails and street addresses, and holding
 * account numbers, are stored as ciphertext from now on (privacy/encryption).
 * A ciphertext is random, so uniqueness and lookups move to keyed blind
 * indexes beside them (`<column>_bidx`), and a bulk load tells an unchanged
 * customer by `pii_digest`, a keyed fingerprint of its encrypted columns.
 *
 * SQL holds no key, so this migration encrypts nothing: rows already stored
 * stay readable as plaintext, with no blind index yet, until the server's
 * start, a bulk load (`npm run load`), the change feed (`npm run ingest`, or
 * the server's) or `npm run keys:rotate -- --scope <scope>` seals them: each
 * runs sealLegacyRows before it looks anything up. The unique indexes allow
 * the NULLs.
 */
export class BlindIndexes1766304000000 implements MigrationInterface {
  name = 'BlindIndexes1766304000000';

  async up(q: QueryRunner): Promise<void> {
    // A ciphertext is not a phone number: the format check moves to the API and the load's validation.
    await q.query(`ALTER TABLE customer DROP CONSTRAINT customer_phone_check`);
    await q.query(`ALTER TABLE customer DROP CONSTRAINT customer_id_type_id_number_key`);
    await q.query(`ALTER TABLE customer ADD COLUMN id_number_bidx text, ADD COLUMN pii_digest text`);
    await q.query(`CREATE UNIQUE INDEX customer_id_number_bidx_key ON customer (id_type, id_number_bidx)`);
    await q.query(`ALTER TABLE holding DROP CONSTRAINT holding_account_no_key`);
    await q.query(`ALTER TABLE holding ADD COLUMN account_no_bidx text`);
    await q.query(`ALTER TABLE holding ADD CONSTRAINT holding_account_no_bidx_key UNIQUE (account_no_bidx)`);
    await q.query(`ALTER TABLE lead ADD COLUMN phone_bidx text`);
    await q.query(`CREATE INDEX lead_phone_bidx_idx ON lead (phone_bidx)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX lead_phone_bidx_idx`);
    await q.query(`ALTER TABLE lead DROP COLUMN phone_bidx`);
    await q.query(`ALTER TABLE holding DROP CONSTRAINT holding_account_no_bidx_key`);
    await q.query(`ALTER TABLE holding DROP COLUMN account_no_bidx`);
    await q.query(`ALTER TABLE holding ADD CONSTRAINT holding_account_no_key UNIQUE (account_no)`);
    await q.query(`DROP INDEX customer_id_number_bidx_key`);
    await q.query(`ALTER TABLE customer DROP COLUMN id_number_bidx, DROP COLUMN pii_digest`);
    await q.query(`ALTER TABLE customer ADD CONSTRAINT customer_id_type_id_number_key UNIQUE (id_type, id_number)`);
    await q.query(
      `ALTER TABLE customer ADD CONSTRAINT customer_phone_check CHECK (phone ~ '^1[3-9][0-9]{9}$') NOT VALID`,
    );
  }
}
