import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Purge checkpoints of the audit log (issue 20, part 6): one row each time
 * retention dropped a month partition of audit_record or moved the chain's
 * anchor past links whose records are all gone. The latest row is where
 * `audit:verify` starts: the first chain position still walked
 * (anchor_seq), the chain hash it follows from (anchor_hash), the highest
 * chain position whose record retention removed (purged_through), and the
 * signed digest that shows every removed record was sealed before the
 * retention cutoff (digest_sequence). Why a row here can be trusted no more
 * than the signed digest it names: see audit-verify.ts.
 */
export class AuditPurge1766390400000 implements MigrationInterface {
  name = 'AuditPurge1766390400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_purge (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        purged_at timestamptz NOT NULL DEFAULT now(),
        partition_name text,
        range_from timestamptz,
        range_to timestamptz,
        records bigint NOT NULL DEFAULT 0,
        anchor_seq bigint NOT NULL CHECK (anchor_seq > 0),
        anchor_hash text NOT NULL,
        purged_through bigint NOT NULL,
        digest_sequence integer NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_purge`);
  }
}
