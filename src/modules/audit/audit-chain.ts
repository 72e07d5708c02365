import { createHash } from 'node:crypto';

/**
 * Every column of an audit record as text, the way the sealer and the
 * verifier both read it, so that a record hashes the same whoever reads it.
 * Text in the database's own canonical forms rather than driver values: a
 * timestamp in UTC to the microsecond (a JS Date would drop what it cannot
 * hold), jsonb's output (keys in a fixed order, no insignificant spaces).
 */
export const RECORD_TEXT_COLUMNS = `r.id::text AS id,
  to_char(r.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS occurred_at,
  r.actor_id, r.actor_roles, r.customer_id::text AS customer_id, r.fields, r.operation, r.operation_name,
  r.request_id, r.detail::text AS detail, r.xid::text AS xid`;

/** A row selected with RECORD_TEXT_COLUMNS. */
export interface RecordText {
  id: string;
  occurred_at: string;
  actor_id: string;
  actor_roles: string[];
  customer_id: string | null;
  fields: string[];
  operation: string;
  operation_name: string | null;
  request_id: string;
  detail: string | null;
  xid: string;
}

/** What the first chain hash is chained to. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * SHA-256 over a JSON array of the columns in a fixed order: JSON gives
 * strings, nulls and arrays one encoding each, and an array rather than an
 * object leaves no key order to agree on. The id and xid are in it, so a
 * record moved to another place in the sealing order no longer matches.
 */
export function contentHash(r: RecordText): string {
  const canonical = JSON.stringify([
    r.id,
    r.occurred_at,
    r.actor_id,
    r.actor_roles,
    r.customer_id,
    r.fields,
    r.operation,
    r.operation_name,
    r.request_id,
    r.detail,
    r.xid,
  ]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/** The chain hash at `seq`: the previous one, the number and the record's content hash. */
export function chainHash(previous: string, seq: string | number, content: string): string {
  return createHash('sha256').update(`${previous}:${seq}:${content}`, 'utf8').digest('hex');
}
