import type { KeyObject } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { sqlStateOf } from '../../db/sql-state';
import { digestSignatureHolds, readDigests, SignedDigest } from './audit-digest';
import { monthPartitionNamed, monthsBefore, MonthPartition } from './audit-partitions';
import { latestPurgeCheckpoint, NO_PURGE, PurgeCheckpoint, recordPurgeCheckpoint } from './audit-purge-checkpoint';
import { chainHead } from './audit-sealer';

/**
 * Retention of audit records (issue 20, part 6): whole month partitions of
 * audit_record are detached and dropped once their month ended more than
 * AUDIT_RETENTION_MONTHS ago, never a partial month and never a record not
 * yet sealed. `audit:verify` must still pass on what remains, and must
 * still catch a record deleted by anyone else; how, see audit-verify.ts. In
 * short: a record may be purged only once a signed digest written before the
 * retention cutoff covers its chain position, which proves to the verifier,
 * without trusting the database, that the record was sealed (so written)
 * before the cutoff.
 */

/** Why an expired month's partition was kept this run. */
export type KeepReason =
  /** Some of its records are not sealed yet (a long transaction holds the sealer back): never dropped unsealed. */
  | 'UNSEALED'
  /** No signed digest written before the cutoff could be found (or its signature does not hold). */
  | 'NO_DIGEST_PAST_RETENTION'
  /** Some records were sealed after the last digest written before the cutoff: a later run drops it. */
  | 'NOT_YET_IN_A_DIGEST_PAST_RETENTION'
  /** audit_record or the purge was busy (lock_timeout, or another run purging): the next run tries again. */
  | 'BUSY';

export interface PartitionStats {
  records: number;
  unsealed: number;
  /** The highest chain position of its records; null when it has none. */
  maxSeq: string | null;
}

/** The month partitions whose whole month ended by the cutoff, oldest first; the default partition never. */
export function expiredPartitions(names: readonly string[], cutoff: Date): MonthPartition[] {
  return names
    .flatMap((name) => monthPartitionNamed(name) ?? [])
    .filter((p) => Date.parse(p.to) <= cutoff.getTime())
    .sort((a, b) => a.from.localeCompare(b.from));
}

/** The digest with the highest head among those written by the cutoff: what a purge may rely on. */
export function digestPastRetention(digests: readonly SignedDigest[], cutoff: Date): SignedDigest | undefined {
  return digests
    .filter((d) => Date.parse(d.writtenAt) <= cutoff.getTime())
    .reduce<SignedDigest | undefined>(
      (best, d) => (!best || BigInt(d.headSeq) > BigInt(best.headSeq) ? d : best),
      undefined,
    );
}

/** Whether an expired month's partition may go: every record sealed, and sealed within that digest's range. */
export function partitionVerdict(stats: PartitionStats, digest: SignedDigest | undefined): 'DROP' | KeepReason {
  if (stats.unsealed > 0) return 'UNSEALED';
  if (stats.records === 0) return 'DROP';
  if (!digest) return 'NO_DIGEST_PAST_RETENTION';
  if (BigInt(stats.maxSeq!) > BigInt(digest.headSeq)) return 'NOT_YET_IN_A_DIGEST_PAST_RETENTION';
  return 'DROP';
}

export interface AuditPurgeSettings {
  retentionMonths: number;
  digestDir: string;
  /** Asked only when there is something to drop: the purge checks the digest it relies on. */
  verifyKey: () => Promise<KeyObject>;
}

export interface AuditPurgeOutcome {
  cutoff: string;
  dropped: { name: string; records: number }[];
  kept: { name: string; reason: KeepReason }[];
  /** Chain links removed behind the new anchor (their records were all dropped). */
  linksRemoved: number;
}

/** Any constant; one purge at a time, across processes. */
const AUDIT_PURGE_LOCK_KEY = 360_360_026;
/** Chain links looked at, and removed, per transaction when the anchor moves on. */
const LINK_BATCH = 5_000;

class LateRecords extends Error {}

/**
 * Drops the expired month partitions that may go, one per short transaction,
 * then moves the verification anchor past the links whose records are all
 * gone and removes those links. Safe beside the server and a second run.
 */
export async function purgeAuditRecords(
  ds: DataSource,
  settings: AuditPurgeSettings,
  now: Date = new Date(),
): Promise<AuditPurgeOutcome> {
  const cutoff = monthsBefore(now, settings.retentionMonths);
  const outcome: AuditPurgeOutcome = { cutoff: cutoff.toISOString(), dropped: [], kept: [], linksRemoved: 0 };
  const names: { name: string }[] = await ds.query(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'audit_record'::regclass`,
  );
  const expired = expiredPartitions(
    names.map((n) => n.name),
    cutoff,
  );
  const digest = expired.length > 0 ? await trustedDigest(settings, cutoff) : undefined;
  for (const partition of expired) {
    const stats = await partitionStats(ds, partition.name);
    const verdict = partitionVerdict(stats, digest);
    const result = verdict === 'DROP' ? await dropPartition(ds, partition, stats, digest) : verdict;
    if (result === 'DROP') outcome.dropped.push({ name: partition.name, records: stats.records });
    else outcome.kept.push({ name: partition.name, reason: result });
  }
  outcome.linksRemoved = await advanceAnchor(ds);
  return outcome;
}

/** The digest past retention, if its signature holds: a purge anchored on a bad one could never verify again. */
async function trustedDigest(settings: AuditPurgeSettings, cutoff: Date): Promise<SignedDigest | undefined> {
  const files = await readDigests(settings.digestDir);
  const digest = digestPastRetention(
    files.flatMap((f) => f.digest ?? []),
    cutoff,
  );
  if (!digest) return undefined;
  return digestSignatureHolds(digest, await settings.verifyKey()) ? digest : undefined;
}

async function partitionStats(ds: DataSource, name: string): Promise<PartitionStats & { xmin: string }> {
  // One statement, one snapshot: a record it does not see belongs to a transaction at or past that snapshot's xmin.
  const [stats] = await ds.query(
    `SELECT count(*)::int AS records, count(*) FILTER (WHERE c.seq IS NULL)::int AS unsealed,
            max(c.seq)::text AS "maxSeq", pg_snapshot_xmin(pg_current_snapshot())::text AS xmin
     FROM ${name} r LEFT JOIN audit_chain c ON c.record_id = r.id`,
  );
  return stats;
}

/**
 * Detaches and drops one partition, and records the checkpoint that lets
 * verification accept its records' absence, in one transaction: nothing is
 * dropped without its checkpoint. The detach locks audit_record exclusively
 * for the rest of this short transaction, so it waits at most lock_timeout
 * (behind a long reader it would hold every audited request); the next run
 * tries again. The partition was counted before the lock; once detached no
 * record can arrive in it, and one that arrived meanwhile (written with an
 * old time) would have a transaction id at or past the count's xmin: found
 * by the xid index, not a second scan of the month.
 */
async function dropPartition(
  ds: DataSource,
  partition: MonthPartition,
  stats: PartitionStats & { xmin: string },
  digest: SignedDigest | undefined,
): Promise<'DROP' | KeepReason> {
  try {
    return await ds.transaction(async (tx) => {
      const [{ locked }] = await tx.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [AUDIT_PURGE_LOCK_KEY]);
      if (!locked) return 'BUSY';
      await tx.query(`SET LOCAL lock_timeout = '2s'`);
      await tx.query(`ALTER TABLE audit_record DETACH PARTITION ${partition.name}`);
      const [late] = await tx.query(
        `SELECT 1 FROM ${partition.name} r LEFT JOIN audit_chain c ON c.record_id = r.id
         WHERE r.xid >= $1::xid8 AND (c.seq IS NULL OR c.seq > $2::bigint) LIMIT 1`,
        [stats.xmin, digest?.headSeq ?? '0'],
      );
      if (late) throw new LateRecords();
      await tx.query(`DROP TABLE ${partition.name}`);
      if (stats.records > 0 && digest) await recordDrop(tx, partition, stats, digest);
      return 'DROP';
    });
  } catch (error) {
    if (error instanceof LateRecords) return 'UNSEALED';
    if (sqlStateOf(error) === '55P03') return 'BUSY';
    throw error;
  }
}

async function recordDrop(
  tx: EntityManager,
  partition: MonthPartition,
  stats: PartitionStats,
  digest: SignedDigest,
): Promise<void> {
  const previous = (await latestPurgeCheckpoint(tx)) ?? NO_PURGE;
  const purgedThrough = BigInt(stats.maxSeq!) > BigInt(previous.purgedThrough) ? stats.maxSeq! : previous.purgedThrough;
  // The digest that covers everything purged so far: this run's, unless an earlier run relied on a later one.
  const digestSequence = BigInt(digest.headSeq) >= BigInt(purgedThrough) ? digest.sequence : previous.digestSequence;
  await recordPurgeCheckpoint(
    tx,
    { anchorSeq: previous.anchorSeq, anchorHash: previous.anchorHash, purgedThrough, digestSequence },
    { partition: { ...partition, records: stats.records } },
  );
}

/**
 * Moves the anchor to the first link whose record still exists (never past
 * the head link, which the sealer continues from, nor past the purged range)
 * and removes the links behind it: a batch per transaction, each recording
 * the anchor before removing what lies behind it. Returns the links removed.
 */
async function advanceAnchor(ds: DataSource): Promise<number> {
  let removed = 0;
  for (;;) {
    const step = await ds.transaction(async (tx): Promise<{ removed: number; more: boolean } | undefined> => {
      const [{ locked }] = await tx.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [AUDIT_PURGE_LOCK_KEY]);
      if (!locked) return undefined;
      const checkpoint = await latestPurgeCheckpoint(tx);
      const head = await chainHead(tx);
      if (!checkpoint || !head) return undefined;
      const last = [BigInt(checkpoint.purgedThrough), BigInt(head.seq) - 1n].reduce((a, b) => (a < b ? a : b));
      const links: { seq: string; recordId: string; chainHash: string }[] = await tx.query(
        // c.seq in ORDER BY: the bare name would be the output column, text, which sorts '9' above '10'.
        `SELECT c.seq::text AS seq, c.record_id::text AS "recordId", c.chain_hash AS "chainHash" FROM audit_chain c
         WHERE c.seq >= $1 AND c.seq <= $2 ORDER BY c.seq LIMIT ${LINK_BATCH}`,
        [checkpoint.anchorSeq, last.toString()],
      );
      if (links.length === 0) return undefined;
      const present: { id: string }[] = await tx.query(
        `SELECT id::text AS id FROM audit_record WHERE id = ANY($1::bigint[])`,
        [links.map((l) => l.recordId)],
      );
      const presentIds = new Set(present.map((p) => p.id));
      const firstPresent = links.findIndex((l) => presentIds.has(l.recordId));
      const gone = firstPresent === -1 ? links : links.slice(0, firstPresent);
      if (gone.length === 0) return undefined;
      const anchor: PurgeCheckpoint = {
        ...checkpoint,
        anchorSeq: (BigInt(gone.at(-1)!.seq) + 1n).toString(),
        anchorHash: gone.at(-1)!.chainHash,
      };
      await recordPurgeCheckpoint(tx, anchor);
      await tx.query(`DELETE FROM audit_chain WHERE seq >= $1 AND seq < $2`, [checkpoint.anchorSeq, anchor.anchorSeq]);
      // Until a batch reaches a record still there, the anchor may move further.
      return { removed: gone.length, more: firstPresent === -1 };
    });
    removed += step?.removed ?? 0;
    if (!step?.more) return removed;
  }
}
