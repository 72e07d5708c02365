import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Leads that are routed and followed up (issue 19, item 3). A lead gets the
 * city it was registered for, the partner's reference to the prospect's
 * separate consent to be passed on (PIPL Art. 23), an intent score, a status
 * and the relationship manager or branch it was routed to.
 *
 * Leads registered before this migration had no routing: they stay NEW and
 * unassigned (visible to auditors only) rather than being routed by a
 * migration with no request, caller or audit record behind it.
 *
 * lead_routing_turn holds one counter per city: the round robin among a
 * city's relationship managers increments it in the same statement that
 * picks the manager, so two registrations at once take two turns (the row
 * lock of INSERT ... ON CONFLICT DO UPDATE serialises them).
 */
export class LeadRouting1765699200000 implements MigrationInterface {
  name = 'LeadRouting1765699200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE lead
        ADD COLUMN city text CHECK (char_length(city) BETWEEN 1 AND 50),
        ADD COLUMN consent_reference text CHECK (char_length(consent_reference) BETWEEN 1 AND 100),
        ADD COLUMN intent text CHECK (intent IN ('HIGH','MEDIUM','LOW')),
        ADD COLUMN status text NOT NULL DEFAULT 'NEW'
          CHECK (status IN ('NEW','CONTACTED','QUALIFIED','CONVERTED','LOST')),
        ADD COLUMN assignee_id uuid REFERENCES staff(id),
        ADD COLUMN branch_id uuid REFERENCES branch(id),
        ADD COLUMN contacted_at timestamptz(3),
        ADD COLUMN updated_at timestamptz(3) NOT NULL DEFAULT now()`);
    // Millisecond precision, like a JS Date, so a page cursor holds the exact key.
    await q.query(`ALTER TABLE lead ALTER COLUMN created_at TYPE timestamptz(3)`);
    // Contacted once it leaves NEW, unless it was lost without ever being reached.
    await q.query(
      `ALTER TABLE lead ADD CONSTRAINT lead_contacted_check CHECK (CASE status WHEN 'NEW' THEN contacted_at IS NULL WHEN 'LOST' THEN true ELSE contacted_at IS NOT NULL END)`,
    );
    // leads pages, newest first: a manager's own, a branch's, and everyone's (auditors).
    await q.query(`CREATE INDEX lead_assignee_page_idx ON lead (assignee_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX lead_branch_page_idx ON lead (branch_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX lead_page_idx ON lead (created_at DESC, id DESC)`);
    // The retention purge.
    await q.query(`CREATE INDEX lead_updated_idx ON lead (updated_at)`);
    await q.query(`
      CREATE TABLE lead_routing_turn (
        city text PRIMARY KEY,
        turn bigint NOT NULL CHECK (turn >= 0)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE lead_routing_turn`);
    await q.query(`DROP INDEX lead_updated_idx`);
    await q.query(`DROP INDEX lead_page_idx`);
    await q.query(`DROP INDEX lead_branch_page_idx`);
    await q.query(`DROP INDEX lead_assignee_page_idx`);
    await q.query(`ALTER TABLE lead DROP CONSTRAINT lead_contacted_check`);
    await q.query(`ALTER TABLE lead ALTER COLUMN created_at TYPE timestamptz`);
    await q.query(`
      ALTER TABLE lead
        DROP COLUMN updated_at, DROP COLUMN contacted_at, DROP COLUMN branch_id, DROP COLUMN assignee_id,
        DROP COLUMN status, DROP COLUMN intent, DROP COLUMN consent_reference, DROP COLUMN city`);
  }
}
