import type { DataSource, EntityManager } from 'typeorm';

/**
 * The outbox table (migrations/1764921600000-EventsOutbox.ts). Triggers on
 * consent, campaign_enrollment and interaction write the events in the
 * writer's own transaction; this module is how the relay reads, marks and
 * prunes them.
 */
export const EVENT_TYPES = [
  'consent.changed',
  'enrollment.status_changed',
  'interaction.recorded',
  'interaction.corrected',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface OutboxEvent {
  /** Position in the outbox: the order events are relayed in. */
  id: string;
  /** The idempotency key: JetStream's Nats-Msg-Id, and `eventId` in the message. */
  eventId: string;
  type: string;
  payload: Record<string, unknown>;
  /** When the change was written (its trigger ran), ISO-8601 in UTC to the microsecond. */
  occurredAt: string;
}

/** What goes on the broker: ids, enums and timestamps, never personal data. */
export interface EventMessage {
  eventId: string;
  type: string;
  /**
   * When the change was written (ISO-8601, UTC, to the microsecond): two
   * changes of one row are in the order they were made, whatever order
   * their transactions began or their events were relayed in.
   */
  occurredAt: string;
  data: Record<string, unknown>;
}

export function messageOf(event: OutboxEvent): EventMessage {
  return { eventId: event.eventId, type: event.type, occurredAt: event.occurredAt, data: event.payload };
}

/**
 * The oldest unpublished events, locked for this transaction. SKIP LOCKED:
 * another instance relaying at the same time takes the next rows instead of
 * waiting for these or publishing them too.
 */
export async function claimUnpublished(em: EntityManager, limit: number): Promise<OutboxEvent[]> {
  return em.query(
    // o.id, not id: a bare name in ORDER BY is the output column (id::text), which sorts '100' before '99'.
    `SELECT o.id::text AS id, o.event_id AS "eventId", o.type, o.payload,
       to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "occurredAt"
     FROM outbox_event o WHERE o.published_at IS NULL
     ORDER BY o.id LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit],
  );
}

export async function markPublished(em: EntityManager, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await em.query(`UPDATE outbox_event SET published_at = clock_timestamp() WHERE id = ANY($1::bigint[])`, [ids]);
}

/** Rows deleted per statement, so that pruning a large backlog never holds one long transaction. */
const PRUNE_CHUNK = 5_000;

/** Deletes published events older than the retention; returns how many. */
export async function prunePublished(ds: DataSource, retentionHours: number): Promise<number> {
  let total = 0;
  for (;;) {
    // created_at bounds the index scan; published_at (never earlier) decides.
    const [, deleted] = await ds.query(
      `DELETE FROM outbox_event WHERE id IN (
         SELECT id FROM outbox_event
         WHERE created_at < now() - make_interval(hours => $1) AND published_at < now() - make_interval(hours => $1)
         LIMIT $2)`,
      [retentionHours, PRUNE_CHUNK],
    );
    total += deleted;
    if (deleted < PRUNE_CHUNK) return total;
  }
}

/**
 * Deletes unpublished events older than the retention (never relayed: no
 * broker, or one unreachable for that long); returns how many of each type.
 * Rows a relay holds are skipped: it is publishing them.
 */
export async function pruneUnpublished(ds: DataSource, retentionHours: number): Promise<Map<string, number>> {
  const pruned = new Map<string, number>();
  for (;;) {
    const rows: { type: string; count: number }[] = await ds.query(
      `WITH pruned AS (
         DELETE FROM outbox_event WHERE id IN (
           SELECT id FROM outbox_event
           WHERE published_at IS NULL AND created_at < now() - make_interval(hours => $1)
           LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING type)
       SELECT type, count(*)::int AS count FROM pruned GROUP BY type`,
      [retentionHours, PRUNE_CHUNK],
    );
    let deleted = 0;
    for (const { type, count } of rows) {
      pruned.set(type, (pruned.get(type) ?? 0) + count);
      deleted += count;
    }
    if (deleted < PRUNE_CHUNK) return pruned;
  }
}

/** Unpublished events, and the age in seconds of the oldest (0 when none wait). */
export async function backlogOf(ds: DataSource): Promise<{ waiting: number; oldestAgeSeconds: number }> {
  const [row] = await ds.query(
    `SELECT (SELECT count(*)::int FROM outbox_event WHERE published_at IS NULL) AS waiting,
            coalesce(extract(epoch FROM now() - (
              SELECT created_at FROM outbox_event WHERE published_at IS NULL ORDER BY id LIMIT 1)), 0)::float8 AS "oldestAgeSeconds"`,
  );
  return row;
}

/**
 * Writes in this transaction emit no events: for synthetic data (the demo
 * seed), which is no change a downstream system should follow. Every other
 * writer emits, whoever it is.
 */
export async function suppressEventsInTransaction(em: EntityManager): Promise<void> {
  await em.query(`SELECT set_config('customer360.outbox_events', 'off', true)`);
}
