import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A source system that re-delivers an interaction with corrected values
 * (same source reference, another channel, type, time or text) updates the
 * row (src/ingest/kinds/interactions.ts). Downstream systems that took the
 * first `interaction.recorded` were never told: this trigger publishes
 * `interaction.corrected` with the same payload, set-based like the others
 * and in the writer's transaction. The upsert leaves an unchanged row alone,
 * so a re-delivery of the same values emits nothing; the payload stays ids,
 * enums and timestamps (a corrected summary says only that it changed).
 */
const SUPPRESSED = `current_setting('customer360.outbox_events', true) = 'off'`;

export class InteractionCorrected1766476800000 implements MigrationInterface {
  name = 'InteractionCorrected1766476800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION outbox_interaction_corrected() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF ${SUPPRESSED} THEN RETURN NULL; END IF;
        INSERT INTO outbox_event (type, aggregate_id, payload)
        SELECT 'interaction.corrected', a.id, jsonb_build_object(
          'interactionId', a.id, 'customerId', a.customer_id, 'channel', a.channel, 'type', a.type,
          'campaignId', a.campaign_id,
          'occurredAt', to_char(a.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
        FROM after_rows a JOIN before_rows b ON b.id = a.id
        WHERE (a.customer_id, a.channel, a.type, a.campaign_id, a.occurred_at, a.summary, a.outcome, a.staff_id)
              IS DISTINCT FROM (b.customer_id, b.channel, b.type, b.campaign_id, b.occurred_at, b.summary, b.outcome, b.staff_id)
        ORDER BY a.occurred_at, a.id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER interaction_outbox_update AFTER UPDATE ON interaction
      REFERENCING OLD TABLE AS before_rows NEW TABLE AS after_rows
      FOR EACH STATEMENT EXECUTE FUNCTION outbox_interaction_corrected()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS interaction_outbox_update ON interaction`);
    await q.query(`DROP FUNCTION IF EXISTS outbox_interaction_corrected()`);
  }
}
