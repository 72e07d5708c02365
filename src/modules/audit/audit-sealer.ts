import type { DataSource, EntityManager } from 'typeorm';
import { chainHash, contentHash, GENESIS_HASH, RECORD_TEXT_COLUMNS, RecordText } from './audit-chain';

/** Any constant shared by all instances; it names the sealer's lock in pg_locks. */
const AUDIT_SEAL_LOCK_KEY = 360_360_020;

/** The last link of the chain: what the next one is chained to, and where the sealer's scan resumes. */
export interface ChainHead {
  seq: string;
  chainHash: string;
  recordXid: string;
  recordId: string;
}

export async function chainHead(db: DataSource | EntityManager): Promise<ChainHead | undefined> {
  const [head] = await db.query(
    // c.seq, not seq: a bare name in ORDER BY is the output column (seq::text), which sorts '9' above '10'.
    `SELECT c.seq::text AS "seq", c.chain_hash AS "chainHash", c.record_xid::text AS "recordXid",
            c.record_id::text AS "recordId"
     FROM audit_chain c ORDER BY c.seq DESC LIMIT 1`,
  );
  return head;
}

/**
 * Seals up to `batch` committed records: appends them to audit_chain in
 * (xid, id) order, each numbered after the head and chained to it. Returns
 * how many it sealed; 0 as well when another instance's sealer holds the
 * lock (it is sealing the same records).
 *
 * Why (xid, id) order and `xid < xmin` make the chain complete and stable.
 * `pg_snapshot_xmin(pg_current_snapshot())` is the oldest transaction still
 * running anywhere in the cluster when the statement's snapshot was taken
 * (the sealer's own takes none before its INSERT). Every transaction
 * with a lower xid has ended, so a record whose xid is below it is either
 * committed, and visible to that same snapshot, or rolled back and never
 * will be. Any record not yet visible belongs to a transaction still running
 * (xid >= xmin) or to one that has not taken an xid yet, and that one will
 * take an xid above every xid assigned so far. So every record that commits
 * later has a higher xid than every record sealed now, and appending in
 * (xid, id) order never has to insert before the head: a chain once sealed
 * stays a prefix of every later chain, and resuming the scan after the
 * head's (xid, id) misses nothing. Within one transaction, id order is
 * insertion order. The price: one long transaction anywhere in the cluster
 * holds sealing back until it ends (see the lag metric).
 *
 * The lock is transaction-scoped and tried, not waited for, so a second
 * instance skips this round instead of queueing behind the first. The head
 * is read after the lock is held (READ COMMITTED: that statement's snapshot
 * sees the previous holder's commit).
 */
export async function sealAuditRecords(ds: DataSource, batch: number): Promise<number> {
  return ds.transaction(async (em) => {
    const [{ locked }] = await em.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [AUDIT_SEAL_LOCK_KEY]);
    if (!locked) return 0;
    const head = await chainHead(em);
    const records: RecordText[] = await em.query(
      `SELECT ${RECORD_TEXT_COLUMNS} FROM audit_record r
       WHERE (r.xid, r.id) > ($1::xid8, $2::bigint) AND r.xid < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY r.xid, r.id LIMIT $3`,
      [head?.recordXid ?? '0', head?.recordId ?? '0', batch],
    );
    if (records.length === 0) return 0;
    let previous = head?.chainHash ?? GENESIS_HASH;
    let seq = BigInt(head?.seq ?? 0);
    const links = records.map((r) => {
      seq += 1n;
      const content = contentHash(r);
      previous = chainHash(previous, seq.toString(), content);
      return { seq: seq.toString(), recordId: r.id, xid: r.xid, content, chain: previous };
    });
    await em.query(
      `INSERT INTO audit_chain (seq, record_id, record_xid, content_hash, chain_hash)
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::xid8[], $4::text[], $5::text[])`,
      [
        links.map((l) => l.seq),
        links.map((l) => l.recordId),
        links.map((l) => l.xid),
        links.map((l) => l.content),
        links.map((l) => l.chain),
      ],
    );
    return links.length;
  });
}

/** Records committed (or still in flight) past the chain head: how far sealing lags. */
export async function unsealedState(ds: DataSource): Promise<{ waiting: number; oldestAgeSeconds: number }> {
  const head = await chainHead(ds);
  const [state] = await ds.query(
    `SELECT count(*)::int AS waiting,
            coalesce(extract(epoch FROM now() - min(r.occurred_at)), 0)::float8 AS "oldestAgeSeconds"
     FROM audit_record r WHERE (r.xid, r.id) > ($1::xid8, $2::bigint)`,
    [head?.recordXid ?? '0', head?.recordId ?? '0'],
  );
  return state;
}
