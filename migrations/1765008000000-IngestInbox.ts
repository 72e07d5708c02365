import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The change feed applies each event once and, per entity, only newer
 * versions. `ingest_inbox` remembers every event seen (by source and the
 * source's event id) and what became of it, so a redelivery after a crash is
 * recognised; `ingest_entity_version` holds the newest version applied per
 * kind and natural key, and its row lock orders two consumers that hold
 * events for the same entity. Natural keys are the source systems' ids
 * (customer, account and employee numbers), never personal data.
 */
export class IngestInbox1765008000000 implements MigrationInterface {
  name = 'IngestInbox1765008000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ingest_inbox (
        source text NOT NULL,
        event_id text NOT NULL,
        kind text NOT NULL,
        natural_key text NOT NULL,
        version bigint NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('APPLIED','STALE','DEAD_LETTERED')),
        reason text,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (source, event_id)
      )`);
    await q.query(`CREATE INDEX ingest_inbox_received_idx ON ingest_inbox (received_at)`);

    await q.query(`
      CREATE TABLE ingest_entity_version (
        kind text NOT NULL,
        natural_key text NOT NULL,
        version bigint NOT NULL,
        source text NOT NULL,
        event_id text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (kind, natural_key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS ingest_entity_version`);
    await q.query(`DROP TABLE IF EXISTS ingest_inbox`);
  }
}
