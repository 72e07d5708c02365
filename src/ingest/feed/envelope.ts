import { z } from 'zod';
import { occurredAtProblem } from '../../common/input-bounds';
import { isKindName } from '../kinds';
import { naturalKeyOf } from '../validate';

/**
 * What a source system publishes on `<prefix>.in.<kind>`: one change to one
 * entity. The values in `data` are the same columns as a file row of that
 * kind (README, "Loading the bank's data"), so a file and an event are
 * validated and applied by the same code.
 *
 * `version` orders the changes of one entity: an integer the source
 * increments, or the ISO-8601 time of the change. Either becomes one integer
 * (times as microseconds since 1970), so a source should use one form per
 * kind; mixing them would compare a counter with a clock. A time is when
 * the change happened, so it is held to the API's bound for such times (no
 * later than five minutes from now): a version stamped years ahead by a
 * broken clock would otherwise win over every real change of its entity,
 * for good.
 */
export interface FeedEvent {
  eventId: string;
  source: string;
  kind: string;
  key: string;
  version: bigint;
  data: Record<string, unknown>;
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._:\-]*$/;
/** Natural keys join their columns' values with `|` (a consent is customer|purpose|channel); values are the loader's, so only control characters are refused. */
const SAFE_KEY = /^[^\p{C}]+$/u;

const envelopeSchema = z.object({
  eventId: z.string().min(1).max(200).regex(SAFE_ID, 'letters, digits and . _ : - only'),
  source: z.string().min(1).max(100).regex(SAFE_ID, 'letters, digits and . _ : - only'),
  kind: z.string().optional(),
  key: z.string().min(1).max(500).regex(SAFE_KEY, 'no control characters'),
  version: z.union([z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), z.iso.datetime({ offset: true })]),
  data: z.record(z.string(), z.unknown()),
});

/** Why an event cannot be applied, in words that name fields and never repeat their values. */
export type EnvelopeProblem = { reason: string; eventId?: string; source?: string; key?: string };

/**
 * Reads one message. The kind comes from the subject; an envelope that names
 * another is refused, so a producer's mistake cannot write into the wrong table.
 */
export function parseEnvelope(
  kind: string,
  payload: Uint8Array | string,
  now: number = Date.now(),
): FeedEvent | EnvelopeProblem {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8'));
  } catch {
    return { reason: 'not JSON' };
  }
  const parsed = envelopeSchema.safeParse(raw);
  const known = identify(kind, raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ...known, reason: `${issue.path.join('.') || 'event'}: ${issue.message}` };
  }
  const event = parsed.data;
  if (typeof event.version === 'string') {
    const problem = occurredAtProblem(new Date(event.version), now);
    if (problem) return { ...known, reason: `version: ${problem}` };
  }
  if (event.kind !== undefined && event.kind !== kind) {
    return {
      ...known,
      reason: `kind: the event says ${JSON.stringify(event.kind.slice(0, 40))} on the subject of ${kind}`,
    };
  }
  return {
    eventId: event.eventId,
    source: event.source,
    kind,
    key: event.key,
    version: versionNumber(event.version),
    data: event.data,
  };
}

export function isFeedEvent(parsed: FeedEvent | EnvelopeProblem): parsed is FeedEvent {
  return 'data' in parsed;
}

function versionNumber(version: number | string): bigint {
  if (typeof version === 'number') return BigInt(version);
  return BigInt(Date.parse(version)) * 1000n + BigInt(microsecondsBeyondMilliseconds(version));
}

/** Two changes within one millisecond still order by their stated microseconds. */
function microsecondsBeyondMilliseconds(iso: string): number {
  const fraction = /\.(\d+)/.exec(iso)?.[1] ?? '';
  return Number((fraction + '000000').slice(3, 6));
}

/**
 * The ids a dead letter keeps, when they are well-formed: never anything
 * else from `data`, and the key as `data`'s key columns give it (see
 * keyOfData), not the envelope's own text.
 */
function identify(kind: string, raw: unknown): Omit<EnvelopeProblem, 'reason'> {
  if (typeof raw !== 'object' || raw === null) return {};
  const { eventId, source, data } = raw as Record<string, unknown>;
  const safe = (value: unknown, max: number, shape: RegExp) =>
    typeof value === 'string' && value.length <= max && shape.test(value) ? value : undefined;
  return { eventId: safe(eventId, 200, SAFE_ID), source: safe(source, 100, SAFE_ID), key: keyOfData(kind, data) };
}

/**
 * The natural key of an event's data, from its key columns each held to its
 * rule (undefined when one is missing or malformed): what a dead letter and
 * the inbox call a refused event by. The envelope's `key` is whatever text
 * the producer put there (a name and a phone, by mistake) and is trusted
 * only once it matches this.
 */
export function keyOfData(kind: string, data: unknown): string | undefined {
  if (!isKindName(kind) || typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  return naturalKeyOf(kind, data as Record<string, unknown>) ?? undefined;
}
