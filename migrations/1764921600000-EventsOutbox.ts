import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Events out (issue #17): consent changes, enrolment status changes and
 * recorded interactions go to downstream systems through a transactional
 * outbox. Statement-level triggers with transition tables write the events,
 * so every writer (the API, the bulk loader, the change feed, whatever comes
 * next) is covered set-based, in the writer's own transaction: a rolled-back
 * change leaves no event, and an UPDATE that changes nothing emits nothing.
 *
 * Payloads hold ids, enums and timestamps only, never personal data (no
 * name, phone, summary or outcome text). Timestamps are written in UTC
 * whatever the writer's session time zone is. One transaction may opt out
 * (customer360.outbox_events = off, set by suppressEventsInTransaction):
 * the demo seed's synthetic history is no change to follow.
 */
/** Set for a transaction by suppressEventsInTransaction (src/events/outbox.ts): synthetic data (the demo seed) emits nothing. */
const SUPPRESSED = `current_setting('customer360.outbox_events', true) = 'off'`;

export class EventsOutbox1764921600000 implements MigrationInterface {
  name = 'EventsOutbox1764921600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE outbox_event (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_id uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
        -- The last tokens of the subject it is published on: no wildcards, spaces or empty tokens.
        type text NOT NULL CHECK (type ~ '^[a-z_]+(\\.[a-z_]+)*$'),
        aggregate_id uuid NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
    // The relay's scan: the oldest unpublished events first.
    await q.query(`CREATE INDEX outbox_event_unpublished_idx ON outbox_event (id) WHERE published_at IS NULL`);
    // Pruning by age, published or not.
    await q.query(`CREATE INDEX outbox_event_created_idx ON outbox_event (created_at)`);

    await q.query(`
      CREATE FUNCTION outbox_consent_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF ${SUPPRESSED} THEN RETURN NULL; END IF;
        IF TG_OP = 'INSERT' THEN
          INSERT INTO outbox_event (type, aggregate_id, payload)
          SELECT 'consent.changed', a.customer_id, jsonb_build_object(
            'customerId', a.customer_id, 'purpose', a.purpose, 'channel', a.channel, 'granted', a.granted)
          FROM after_rows a;
        ELSE
          -- The API's upsert rewrites updated_at whatever the decision: only a changed decision is an event.
          INSERT INTO outbox_event (type, aggregate_id, payload)
          SELECT 'consent.changed', a.customer_id, jsonb_build_object(
            'customerId', a.customer_id, 'purpose', a.purpose, 'channel', a.channel, 'granted', a.granted)
          FROM after_rows a JOIN before_rows b ON b.id = a.id
          WHERE (a.customer_id, a.purpose, a.channel, a.granted) IS DISTINCT FROM (b.customer_id, b.purpose, b.channel, b.granted);
        END IF;
        RETURN NULL;
      END $$`);

    await q.query(`
      CREATE FUNCTION outbox_enrollment_status_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF ${SUPPRESSED} THEN RETURN NULL; END IF;
        IF TG_OP = 'INSERT' THEN
          INSERT INTO outbox_event (type, aggregate_id, payload)
          SELECT 'enrollment.status_changed', a.id, jsonb_build_object(
            'enrollmentId', a.id, 'campaignId', a.campaign_id, 'customerId', a.customer_id,
            'status', a.status, 'previousStatus', NULL, 'channel', a.channel)
          FROM after_rows a;
        ELSE
          INSERT INTO outbox_event (type, aggregate_id, payload)
          SELECT 'enrollment.status_changed', a.id, jsonb_build_object(
            'enrollmentId', a.id, 'campaignId', a.campaign_id, 'customerId', a.customer_id,
            'status', a.status, 'previousStatus', b.status, 'channel', a.channel)
          FROM after_rows a JOIN before_rows b ON b.id = a.id
          WHERE a.status IS DISTINCT FROM b.status;
        END IF;
        RETURN NULL;
      END $$`);

    // Interactions are append-only: a re-delivered one (same source reference) is an update, not a new event.
    await q.query(`
      CREATE FUNCTION outbox_interaction_recorded() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF ${SUPPRESSED} THEN RETURN NULL; END IF;
        INSERT INTO outbox_event (type, aggregate_id, payload)
        SELECT 'interaction.recorded', a.id, jsonb_build_object(
          'interactionId', a.id, 'customerId', a.customer_id, 'channel', a.channel, 'type', a.type,
          'campaignId', a.campaign_id,
          'occurredAt', to_char(a.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
        FROM after_rows a
        ORDER BY a.occurred_at, a.id;
        RETURN NULL;
      END $$`);

    // A trigger with transition tables takes one event.
    for (const [table, fn] of [
      ['consent', 'outbox_consent_changed'],
      ['campaign_enrollment', 'outbox_enrollment_status_changed'],
      ['interaction', 'outbox_interaction_recorded'],
    ]) {
      await q.query(`
        CREATE TRIGGER ${table}_outbox_insert AFTER INSERT ON ${table}
        REFERENCING NEW TABLE AS after_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`);
      if (table === 'interaction') continue;
      await q.query(`
        CREATE TRIGGER ${table}_outbox_update AFTER UPDATE ON ${table}
        REFERENCING OLD TABLE AS before_rows NEW TABLE AS after_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS interaction_outbox_insert ON interaction`);
    for (const table of ['consent', 'campaign_enrollment']) {
      await q.query(`DROP TRIGGER IF EXISTS ${table}_outbox_insert ON ${table}`);
      await q.query(`DROP TRIGGER IF EXISTS ${table}_outbox_update ON ${table}`);
    }
    await q.query(`DROP FUNCTION IF EXISTS outbox_interaction_recorded()`);
    await q.query(`DROP FUNCTION IF EXISTS outbox_enrollment_status_changed()`);
    await q.query(`DROP FUNCTION IF EXISTS outbox_consent_changed()`);
    await q.query(`DROP TABLE IF EXISTS outbox_event`);
  }
}
