import type { DataSource, EntityManager } from 'typeorm';
import { ENCRYPTION, KeyScope } from '../../privacy/encryption/keyring';
import { keyringFor } from '../../privacy/encryption/keyrings';
import { isKindName, KIND_NAMES, kindSpec } from '../kinds';
import type { FeedEvent } from './envelope';

/** The scope whose blind-index key stands for a kind's natural key, when the key holds a value stored encrypted. */
export function sealedKeyScope(kind: string): KeyScope | undefined {
  if (!isKindName(kind)) return undefined;
  const spec = kindSpec(kind);
  const sealed = [
    ...(spec.encrypted ? ENCRYPTION[spec.encrypted].columns : []),
    ...(spec.blindLookups?.columns ?? []),
  ] as string[];
  if (!spec.naturalKey.some((column) => sealed.includes(column))) return undefined;
  return spec.encrypted ?? spec.blindLookups?.scope;
}

/**
 * How the inbox stores each event's natural key: as the event names it,
 * unless the key holds a value stored encrypted (a holding's account
 * number), which the inbox keeps only as a blind index, so that the inbox
 * does not hold in clear what the tables hold encrypted.
 */
async function storedKeys(em: EntityManager, events: readonly FeedEvent[]): Promise<(event: FeedEvent) => string> {
  const keyring = keyringFor(em.connection);
  const stored = new Map<FeedEvent, string>();
  for (const event of events) {
    const scope = sealedKeyScope(event.kind);
    if (!scope) continue;
    await keyring.ensure(em, scope);
    stored.set(event, keyring.blindIndex(scope, 'natural_key', event.key));
  }
  return (event) => stored.get(event) ?? event.key;
}

export type InboxOutcome = 'APPLIED' | 'STALE' | 'DEAD_LETTERED';

export interface Admission {
  /** The newest event per entity, newer than what was applied before: apply these. */
  toApply: FeedEvent[];
  /** Events older than (or as old as) one already applied or in this batch: dropped, counted. */
  stale: FeedEvent[];
  /** Seen before (a redelivery): nothing to do but acknowledge, or resend a dead letter. */
  seen: { event: FeedEvent; outcome: InboxOutcome; reason: string | null }[];
}

/**
 * Decides, inside the transaction that will apply them, which of a batch's
 * events to apply: each event once (the inbox is keyed by source and event
 * id, so a batch redelivered after a crash finds its events already there,
 * or not at all if that transaction rolled back), and per entity only the
 * newest. Claiming a version locks that entity's version row until commit,
 * so two consumers holding events for one entity apply them one after the
 * other and the older loses; entities are claimed in key order, so two
 * consumers whose batches hold the same entities in other orders wait
 * rather than deadlock (which failed both batches until their redelivery,
 * INGEST_ACK_WAIT_MS later). A claimed event whose row is then refused keeps
 * its claim: the source's newest word on that entity is the refused one, and
 * an older change must not be applied in its place (mark it with
 * `markDeadLettered`).
 */
export async function admitEvents(em: EntityManager, batch: readonly FeedEvent[]): Promise<Admission> {
  const unique = distinctById(batch);
  if (unique.length === 0) return { toApply: [], stale: [], seen: [] };
  const keyOf = await storedKeys(em, unique);

  const inserted: { source: string; event_id: string }[] = await em.query(
    `INSERT INTO ingest_inbox (source, event_id, kind, natural_key, version, outcome)
     SELECT *, 'STALE' FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[]) ORDER BY 1, 2
     ON CONFLICT (source, event_id) DO NOTHING
     RETURNING source, event_id`,
    columns(unique, (e) => [e.source, e.eventId, e.kind, keyOf(e), e.version.toString()]),
  );
  const fresh = new Set(inserted.map((row) => idOf(row.source, row.event_id)));
  const freshEvents = unique.filter((e) => fresh.has(idOf(e.source, e.eventId)));
  const seen = await outcomesOf(
    em,
    unique.filter((e) => !fresh.has(idOf(e.source, e.eventId))),
  );

  const candidates = newestPerEntity(freshEvents);
  const claimed: { kind: string; natural_key: string }[] =
    candidates.length === 0
      ? []
      : await em.query(
          `INSERT INTO ingest_entity_version AS v (kind, natural_key, version, source, event_id)
           SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[]) ORDER BY 1, 2
           ON CONFLICT (kind, natural_key) DO UPDATE
             SET version = EXCLUDED.version, source = EXCLUDED.source, event_id = EXCLUDED.event_id, applied_at = now()
             WHERE v.version < EXCLUDED.version
           RETURNING kind, natural_key`,
          columns(candidates, (e) => [e.kind, keyOf(e), e.version.toString(), e.source, e.eventId]),
        );
  const won = new Set(claimed.map((row) => entityOf(row.kind, row.natural_key)));
  const toApply = candidates.filter((e) => won.has(entityOf(e.kind, keyOf(e))));
  await setOutcome(em, toApply, 'APPLIED', null);

  const applied = new Set(toApply);
  return { toApply, stale: freshEvents.filter((e) => !applied.has(e)), seen };
}

/**
 * Records events refused before or while being applied, with the reason
 * (field names and rules, never values), so that a redelivery resends the
 * same dead letter instead of applying or losing it.
 */
export async function markDeadLettered(
  em: EntityManager,
  refused: readonly { event: FeedEvent; reason: string }[],
): Promise<void> {
  if (refused.length === 0) return;
  const keyOf = await storedKeys(
    em,
    refused.map(({ event }) => event),
  );
  await em.query(
    `INSERT INTO ingest_inbox (source, event_id, kind, natural_key, version, outcome, reason)
     SELECT s, id, k, nk, v, 'DEAD_LETTERED', r
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[]) AS t(s, id, k, nk, v, r)
     ON CONFLICT (source, event_id) DO UPDATE SET outcome = 'DEAD_LETTERED', reason = EXCLUDED.reason`,
    columns(refused, ({ event, reason }) => [
      event.source,
      event.eventId,
      event.kind,
      keyOf(event),
      event.version.toString(),
      reason,
    ]),
  );
}

/** Forgets events received before `cutoff`: past it, a redelivery is no longer recognised (see README). */
export async function pruneInbox(em: EntityManager, cutoff: Date): Promise<number> {
  const [, deleted] = await em.query(`DELETE FROM ingest_inbox WHERE received_at < $1`, [cutoff]);
  return deleted;
}

async function setOutcome(
  em: EntityManager,
  events: readonly FeedEvent[],
  outcome: InboxOutcome,
  reason: string | null,
) {
  if (events.length === 0) return;
  await em.query(
    `UPDATE ingest_inbox i SET outcome = $3, reason = $4
     FROM unnest($1::text[], $2::text[]) AS t(source, event_id)
     WHERE i.source = t.source AND i.event_id = t.event_id`,
    [events.map((e) => e.source), events.map((e) => e.eventId), outcome, reason],
  );
}

async function outcomesOf(em: EntityManager, events: readonly FeedEvent[]): Promise<Admission['seen']> {
  if (events.length === 0) return [];
  const rows: { source: string; event_id: string; outcome: InboxOutcome; reason: string | null }[] = await em.query(
    `SELECT i.source, i.event_id, i.outcome, i.reason
     FROM ingest_inbox i JOIN unnest($1::text[], $2::text[]) AS t(source, event_id)
       ON i.source = t.source AND i.event_id = t.event_id`,
    [events.map((e) => e.source), events.map((e) => e.eventId)],
  );
  const byId = new Map(rows.map((row) => [idOf(row.source, row.event_id), row]));
  return events.flatMap((event) => {
    const row = byId.get(idOf(event.source, event.eventId));
    return row ? [{ event, outcome: row.outcome, reason: row.reason }] : [];
  });
}

/** Per entity, the event with the highest version; on a tie the first in the batch (the broker's order). */
function newestPerEntity(events: readonly FeedEvent[]): FeedEvent[] {
  const newest = new Map<string, FeedEvent>();
  for (const event of events) {
    const entity = entityOf(event.kind, event.key);
    const current = newest.get(entity);
    if (!current || event.version > current.version) newest.set(entity, event);
  }
  return [...newest.values()];
}

function distinctById(events: readonly FeedEvent[]): FeedEvent[] {
  const byId = new Map<string, FeedEvent>();
  for (const event of events) {
    const id = idOf(event.source, event.eventId);
    if (!byId.has(id)) byId.set(id, event);
  }
  return [...byId.values()];
}

/** Parameter arrays for `unnest`, one per column. */
function columns<T>(items: readonly T[], row: (item: T) => string[]): string[][] {
  const out: string[][] = [];
  for (const item of items) {
    row(item).forEach((value, i) => (out[i] ??= []).push(value));
  }
  return out;
}

const idOf = (source: string, eventId: string) => `${source}\u0000${eventId}`;
const entityOf = (kind: string, key: string) => `${kind}\u0000${key}`;

/** A blind index is the base64 of 32 bytes (44 characters, one `=`); a natural key the feed accepts has no `=`. */
const STORED_AS_BLIND_INDEX = `natural_key ~ '^[A-Za-z0-9+/]{43}=$'`;

/**
 * Inbox rows an upgrade left with a sealed kind's natural key in clear (a
 * holding's account number, from before the inbox kept blind indexes) get
 * the blind index the inbox now looks them up by: otherwise an older event
 * would pass a newer one applied before the upgrade, and the account
 * numbers would stay in clear in the database. Where an entity already has a
 * version under its blind index, the newer of the two is kept. In batches,
 * each its own transaction; nothing to do costs one statement per table.
 */
export async function sealInboxKeys(ds: DataSource, batchSize = 1_000): Promise<number> {
  const keyring = keyringFor(ds);
  const kinds = KIND_NAMES.filter((kind) => sealedKeyScope(kind));
  let sealed = 0;
  for (const table of ['ingest_entity_version', 'ingest_inbox'] as const) {
    for (;;) {
      const moved = await ds.transaction(async (em) => {
        const rows: { kind: string; naturalKey: string; ctid: string }[] = await em.query(
          `SELECT kind, natural_key AS "naturalKey", ctid::text AS ctid FROM ${table}
            WHERE kind = ANY($1) AND NOT ${STORED_AS_BLIND_INDEX} LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [kinds, batchSize],
        );
        for (const row of rows) {
          const scope = sealedKeyScope(row.kind)!;
          await keyring.ensure(em, scope);
          const blind = keyring.blindIndex(scope, 'natural_key', row.naturalKey);
          if (table === 'ingest_entity_version') {
            // The newer version of the entity wins, whichever key it was kept under.
            await em.query(
              `INSERT INTO ingest_entity_version (kind, natural_key, version, source, event_id, applied_at)
               SELECT kind, $2, version, source, event_id, applied_at FROM ingest_entity_version WHERE ctid = $1::tid
               ON CONFLICT (kind, natural_key) DO UPDATE
                 SET version = EXCLUDED.version, source = EXCLUDED.source, event_id = EXCLUDED.event_id,
                     applied_at = EXCLUDED.applied_at
                 WHERE ingest_entity_version.version < EXCLUDED.version`,
              [row.ctid, blind],
            );
            await em.query(`DELETE FROM ingest_entity_version WHERE ctid = $1::tid`, [row.ctid]);
          } else {
            await em.query(`UPDATE ingest_inbox SET natural_key = $2 WHERE ctid = $1::tid`, [row.ctid, blind]);
          }
        }
        return rows.length;
      });
      sealed += moved;
      if (moved < batchSize) break;
    }
  }
  return sealed;
}
