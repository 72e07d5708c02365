import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The tamper-evident chain over audit records (issue 20, part 5).
 *
 * audit_record.xid is the id of the transaction that inserted the record
 * (pg_current_xact_id(), the top-level transaction even inside a savepoint).
 * The sealer needs it because a record's id is taken from the identity
 * sequence before its transaction commits: id order is not commit order,
 * while "xid below every running transaction's" tells which records can no
 * longer be preceded by one still to commit (see audit-sealer.ts). Records
 * written before this migration read as xid 0 (a constant default adds the
 * column without rewriting the table) and are sealed first, in id order; the
 * default for new rows is set afterwards.
 *
 * audit_chain is the chain itself: its own gap-free number, the record it
 * seals, that record's content hash and the running chain hash. Audit
 * records themselves stay insert-only.
 */
export class AuditChain1765872000000 implements MigrationInterface {
  name = 'AuditChain1765872000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_record ADD COLUMN xid xid8 NOT NULL DEFAULT '0'`);
    await q.query(`ALTER TABLE audit_record ALTER COLUMN xid SET DEFAULT pg_current_xact_id()`);
    // The sealer's scan from the chain head, and the verifier's walk.
    await q.query(`CREATE INDEX audit_record_seal_idx ON audit_record (xid, id)`);
    await q.query(`
      CREATE TABLE audit_chain (
        seq bigint PRIMARY KEY CHECK (seq > 0),
        record_id bigint NOT NULL UNIQUE,
        record_xid xid8 NOT NULL,
        content_hash text NOT NULL,
        chain_hash text NOT NULL,
        sealed_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_chain`);
    await q.query(`DROP INDEX audit_record_seal_idx`);
    await q.query(`ALTER TABLE audit_record DROP COLUMN xid`);
  }
}
