import type { DataSource, EntityManager } from 'typeorm';
import { GENESIS_HASH } from './audit-chain';

/**
 * Where the chain is walked from after retention removed its oldest records
 * (a row of audit_purge; see the migration and audit-verify.ts for why it is
 * trusted only as far as the signed digest it names).
 */
export interface PurgeCheckpoint {
  /** The first chain position still walked: every link before it is gone with its record. */
  anchorSeq: string;
  /** The chain hash at anchorSeq - 1, which the link at anchorSeq follows from. */
  anchorHash: string;
  /** The highest chain position whose record retention removed: a record missing above it was deleted otherwise. */
  purgedThrough: string;
  /** The signed digest whose head is at or past purgedThrough and that was written before the retention cutoff. */
  digestSequence: number;
}

/** Before any purge: the chain is walked from its start. */
export const NO_PURGE: PurgeCheckpoint = {
  anchorSeq: '1',
  anchorHash: GENESIS_HASH,
  purgedThrough: '0',
  digestSequence: 0,
};

export async function latestPurgeCheckpoint(db: DataSource | EntityManager): Promise<PurgeCheckpoint | undefined> {
  const [row] = await db.query(
    `SELECT anchor_seq::text AS "anchorSeq", anchor_hash AS "anchorHash", purged_through::text AS "purgedThrough",
            digest_sequence AS "digestSequence"
     FROM audit_purge ORDER BY id DESC LIMIT 1`,
  );
  return row;
}

/** What one purge step did: a partition dropped (with its range and record count), or the anchor moved on. */
export interface PurgeStep {
  partition?: { name: string; from: string; to: string; records: number };
}

export async function recordPurgeCheckpoint(
  em: EntityManager,
  checkpoint: PurgeCheckpoint,
  step: PurgeStep = {},
): Promise<void> {
  await em.query(
    `INSERT INTO audit_purge (partition_name, range_from, range_to, records, anchor_seq, anchor_hash, purged_through,
                              digest_sequence)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      step.partition?.name ?? null,
      step.partition?.from ?? null,
      step.partition?.to ?? null,
      step.partition?.records ?? 0,
      checkpoint.anchorSeq,
      checkpoint.anchorHash,
      checkpoint.purgedThrough,
      checkpoint.digestSequence,
    ],
  );
}
