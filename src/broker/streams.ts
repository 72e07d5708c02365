import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { Broker } from './nats';

const NANOS_PER_MS = 1_000_000;

export interface StreamSpec {
  name: string;
  subjects: string[];
  /** Messages published again with the same Nats-Msg-Id within this window are dropped by the server. */
  duplicateWindowMs: number;
  /** Messages older than this leave the stream; used when the stream is created. */
  maxAgeMs: number;
}

/** Republishing after a crash between publish and commit happens within seconds: ten minutes leaves a wide margin. */
const EVENTS_DUPLICATE_WINDOW_MS = 10 * 60_000;
/** Downstream consumers have a week to catch up with events out. */
const EVENTS_MAX_AGE_MS = 7 * 24 * 3_600_000;

/** The subject an outbound event of this type (`consent.changed`) is published on. */
export function eventSubject(subjectPrefix: string, type: string): string {
  return `${subjectPrefix}.out.${type}`;
}

/** The stream of events out: `<PREFIX>_EVENTS` over `<prefix>.out.>`. */
export function eventsOutStream(subjectPrefix: string): StreamSpec {
  return {
    name: `${subjectPrefix.toUpperCase()}_EVENTS`,
    subjects: [`${subjectPrefix}.out.>`],
    duplicateWindowMs: EVENTS_DUPLICATE_WINDOW_MS,
    maxAgeMs: EVENTS_MAX_AGE_MS,
  };
}

/**
 * Creates the stream if it is missing; if it exists, makes sure of what the
 * code relies on (its subjects and duplicate window) and leaves the rest
 * (retention, replicas, limits an operator tuned) as it is. Safe to run from
 * several instances at once: adding an identical stream twice succeeds.
 */
export async function ensureStream(broker: Broker, spec: StreamSpec): Promise<void> {
  const duplicateWindow = spec.duplicateWindowMs * NANOS_PER_MS;
  let existing;
  try {
    existing = await broker.manager.streams.info(spec.name);
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
    await broker.manager.streams.add({
      name: spec.name,
      subjects: spec.subjects,
      duplicate_window: duplicateWindow,
      max_age: spec.maxAgeMs * NANOS_PER_MS,
    });
    return;
  }
  const subjects = existing.config.subjects ?? [];
  const missing = spec.subjects.filter((subject) => !subjects.includes(subject));
  if (missing.length === 0 && existing.config.duplicate_window >= duplicateWindow) return;
  await broker.manager.streams.update(spec.name, {
    ...existing.config,
    subjects: [...subjects, ...missing],
    duplicate_window: Math.max(existing.config.duplicate_window, duplicateWindow),
  });
}

/** A redelivered change event must meet its first dead letter within this window to be dropped as its duplicate. */
const FEED_DUPLICATE_WINDOW_MS = 10 * 60_000;
/** Source systems' changes wait up to a week for a stopped consumer; the inbox remembers them as long (INGEST_INBOX_RETENTION_HOURS). */
const FEED_MAX_AGE_MS = 7 * 24 * 3_600_000;

/** The subject a source system publishes changes of one kind on: `<prefix>.in.<kind>`. */
export function changeSubject(subjectPrefix: string, kind: string): string {
  return `${subjectPrefix}.in.${kind}`;
}

/** The change feed: `<PREFIX>_IN` over `<prefix>.in.>`. */
export function changeFeedStream(subjectPrefix: string): StreamSpec {
  return {
    name: `${subjectPrefix.toUpperCase()}_IN`,
    subjects: [`${subjectPrefix}.in.>`],
    duplicateWindowMs: FEED_DUPLICATE_WINDOW_MS,
    maxAgeMs: FEED_MAX_AGE_MS,
  };
}

/** Refused change events, ids and reasons only: `<PREFIX>_DLQ` over `<prefix>.dlq.>`. */
export function deadLetterStream(subjectPrefix: string): StreamSpec {
  return {
    name: `${subjectPrefix.toUpperCase()}_DLQ`,
    subjects: [`${subjectPrefix}.dlq.>`],
    duplicateWindowMs: FEED_DUPLICATE_WINDOW_MS,
    maxAgeMs: FEED_MAX_AGE_MS,
  };
}
