import type { KeyObject } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AUDIT_RETENTION_MIN_MONTHS } from '../../config';
import { chainHash, contentHash, RECORD_TEXT_COLUMNS, RecordText } from './audit-chain';
import { digestSignatureHolds, DigestFile, readDigests, SignedDigest } from './audit-digest';
import { monthsBefore } from './audit-partitions';
import { latestPurgeCheckpoint, NO_PURGE, PurgeCheckpoint } from './audit-purge-checkpoint';

export type AuditProblemKind =
  /** A sealed record's columns changed. */
  | 'EDITED'
  /** A sealed record is gone. */
  | 'REMOVED'
  /** Sealed records are no longer in the order they were sealed in. */
  | 'REORDERED'
  /** A record that was never sealed sits among the sealed ones. */
  | 'INSERTED'
  /** The chain table itself was changed (numbers or hashes). */
  | 'CHAIN_BROKEN'
  /** The chain ends before the last digest's head. */
  | 'TRUNCATED'
  /** A digest file is unreadable, missing from the sequence, badly signed or not linked to its predecessor. */
  | 'DIGEST_INVALID'
  /** The chain recomputed from the records does not reach a digest's head hash. */
  | 'DIGEST_MISMATCH'
  /** The purge checkpoint claims more was purged than a signed digest shows to be past retention. */
  | 'ANCHOR_INVALID';

export interface AuditProblem {
  kind: AuditProblemKind;
  message: string;
  seq?: string;
  recordId?: string;
}

export interface AuditVerification {
  ok: boolean;
  /** The last number in audit_chain. */
  chainLength: string;
  /** Links that hold, from 1 (or from the purge anchor): the chain is sound up to here. */
  verifiedThrough: string;
  /** Where the walk started after retention purged older records (absent before any purge). */
  anchorSeq?: string;
  digestsChecked: number;
  /** Problems in the order found: the chain walk stops at its first, since everything after it is suspect. */
  problems: AuditProblem[];
}

interface ChainRow extends Partial<RecordText> {
  chain_seq: string;
  chain_record_id: string;
  chain_content_hash: string;
  chain_hash: string;
}

const WALK_BATCH = 5_000;

/**
 * Recomputes the chain from the audit records and checks it against the
 * chain table and the signed digests. The chain table narrows a problem down
 * to the first bad record; the digests catch what the table cannot: a chain
 * recomputed by someone who changed records and rewrote the table to match.
 *
 * After retention purged the oldest records (audit-retention.ts), the walk
 * starts at the latest purge checkpoint's anchor. The checkpoint is a row
 * anyone with the database can write, so it is trusted for nothing a signed
 * digest does not back:
 * - its anchor hash is only where the recomputation starts: the chain
 *   recomputed from it must still reach every digest's head at or past the
 *   anchor, and the checkpoint must name a digest whose head is at or past
 *   the anchor, so a made-up hash ends in DIGEST_MISMATCH;
 * - a record may be missing only at or below the checkpoint's purgedThrough,
 *   and purgedThrough must lie within the digest it names, which must have
 *   been written before the retention cutoff (now less the retention). A
 *   record at a chain position a digest covers was sealed, so written,
 *   before that digest was signed: only records older than the retention can
 *   pass as purged. Deleting younger ones, with or without a checkpoint
 *   claiming them, is REMOVED, CHAIN_BROKEN or ANCHOR_INVALID.
 * What a database writer can still do is delete records older than the
 * retention themselves, which retention would have removed anyway.
 */
export async function verifyAuditLog(
  ds: DataSource,
  options: { digestDir: string; verifyKey: KeyObject; retentionMonths?: number; now?: Date },
): Promise<AuditVerification> {
  const digestFiles = await readDigests(options.digestDir);
  const problems = checkDigests(digestFiles, options.verifyKey);
  const digests = digestFiles.flatMap((f) => (f.digest ? [f.digest] : []));
  const byHead = new Map(digests.map((d) => [d.headSeq, d]));

  // The partitioned table's key is (id, occurred_at): nothing stops a row forged with a sealed record's id at
  // another time, which the walk (by id) would take for the sealed one.
  const [twin] = await ds.query(
    `SELECT r.id::text AS id FROM audit_record r GROUP BY r.id HAVING count(*) > 1 ORDER BY r.id LIMIT 1`,
  );
  if (twin) {
    problems.push({
      kind: 'INSERTED',
      recordId: twin.id,
      message: `two records carry id ${twin.id}: one was inserted afterwards with a sealed record's id`,
    });
  }

  const checkpoint = await latestPurgeCheckpoint(ds);
  const anchor = checkpoint ?? NO_PURGE;
  if (checkpoint) {
    const cutoff = monthsBefore(options.now ?? new Date(), options.retentionMonths ?? AUDIT_RETENTION_MIN_MONTHS);
    const invalid = anchorProblem(checkpoint, digests, options.verifyKey, cutoff);
    if (invalid) problems.push({ kind: 'ANCHOR_INVALID', seq: checkpoint.anchorSeq, message: invalid });
  }
  const purgedThrough = BigInt(anchor.purgedThrough);

  let expected = anchor.anchorHash;
  let seq = BigInt(anchor.anchorSeq) - 1n;
  let last: { xid: bigint; id: bigint } | undefined;
  const mismatch = (digest: SignedDigest | undefined) => digestMismatch(digest, expected, checkpoint !== undefined);
  let walkProblem: AuditProblem | undefined = mismatch(byHead.get(seq.toString()));
  walk: for (;;) {
    if (walkProblem) break;
    const rows: ChainRow[] = await ds.query(
      `SELECT c.seq::text AS chain_seq, c.record_id::text AS chain_record_id, c.content_hash AS chain_content_hash,
              c.chain_hash, ${RECORD_TEXT_COLUMNS}
       FROM audit_chain c LEFT JOIN audit_record r ON r.id = c.record_id
       WHERE c.seq > $1 ORDER BY c.seq LIMIT $2`,
      [seq.toString(), WALK_BATCH],
    );
    for (const row of rows) {
      walkProblem = await checkLink(ds, row, seq + 1n, expected, last, purgedThrough);
      if (walkProblem) break walk;
      seq += 1n;
      expected = chainHash(expected, row.chain_seq, row.chain_content_hash);
      if (row.id != null) last = { xid: BigInt(row.xid!), id: BigInt(row.id) };
      walkProblem = mismatch(byHead.get(row.chain_seq));
      if (walkProblem) break walk;
    }
    if (rows.length < WALK_BATCH) break;
  }
  if (walkProblem) problems.push(walkProblem);
  else {
    const inserted = last && (await unchainedBefore(ds, last));
    if (inserted) {
      problems.push({
        kind: 'INSERTED',
        recordId: inserted,
        message: `record ${inserted} was never sealed, yet sits before the chain head: it was inserted afterwards`,
      });
    }
  }

  const [{ length }] = await ds.query(`SELECT coalesce(max(seq), 0)::text AS length FROM audit_chain`);
  const vouched = digests.reduce((max, d) => (BigInt(d.headSeq) > max ? BigInt(d.headSeq) : max), 0n);
  if (BigInt(length) < vouched) {
    problems.push({
      kind: 'TRUNCATED',
      seq: (BigInt(length) + 1n).toString(),
      message: `the chain ends at seq ${length} but a digest vouches for seq ${vouched}: links (and their records) ${BigInt(length) + 1n}..${vouched} were removed`,
    });
  }
  return {
    ok: problems.length === 0,
    chainLength: length,
    verifiedThrough: seq.toString(),
    ...(checkpoint ? { anchorSeq: checkpoint.anchorSeq } : {}),
    digestsChecked: digests.length,
    problems,
  };
}

/** The recomputed chain at a digest's head must be the hash it signed. */
function digestMismatch(
  digest: SignedDigest | undefined,
  recomputed: string,
  fromAnchor: boolean,
): AuditProblem | undefined {
  if (!digest || digest.headHash === recomputed) return undefined;
  return {
    kind: 'DIGEST_MISMATCH',
    seq: digest.headSeq,
    message:
      `the chain recomputed from the records does not reach digest ${digest.sequence}'s head at seq ` +
      `${digest.headSeq}: records sealed in seq ${digest.fromSeq}..${digest.headSeq} were changed and the chain rewritten` +
      (fromAnchor ? ", or the purge checkpoint's anchor hash is not the chain's" : ''),
  };
}

/** Why the checkpoint cannot be relied on (see verifyAuditLog), or undefined when a signed digest backs it. */
function anchorProblem(
  checkpoint: PurgeCheckpoint,
  digests: SignedDigest[],
  key: KeyObject,
  cutoff: Date,
): string | undefined {
  const digest = digests.find((d) => d.sequence === checkpoint.digestSequence);
  const claim = `the purge checkpoint (anchor seq ${checkpoint.anchorSeq}, purged through seq ${checkpoint.purgedThrough})`;
  if (!digest || !digestSignatureHolds(digest, key)) {
    return `${claim} names digest ${checkpoint.digestSequence}, which is missing or not validly signed`;
  }
  const head = BigInt(digest.headSeq);
  if (BigInt(checkpoint.purgedThrough) > head || BigInt(checkpoint.anchorSeq) - 1n > head) {
    return `${claim} goes past digest ${digest.sequence}'s head at seq ${digest.headSeq}: records no digest past retention covers were removed`;
  }
  if (BigInt(checkpoint.anchorSeq) - 1n > BigInt(checkpoint.purgedThrough)) {
    return `${claim} skips links past what was purged`;
  }
  if (Date.parse(digest.writtenAt) > cutoff.getTime()) {
    return `${claim} relies on digest ${digest.sequence}, written ${digest.writtenAt}, after the retention cutoff ${cutoff.toISOString()}: records within retention were removed`;
  }
  return undefined;
}

/**
 * One link: its number, its record (present, in order, unchanged) and its
 * chain hash. A record retention purged (at or below purgedThrough) leaves
 * only its link's number and chain hash to check.
 */
async function checkLink(
  ds: DataSource,
  row: ChainRow,
  expectedSeq: bigint,
  previousHash: string,
  previous: { xid: bigint; id: bigint } | undefined,
  purgedThrough: bigint,
): Promise<AuditProblem | undefined> {
  const seq = row.chain_seq;
  const recordId = row.chain_record_id;
  if (BigInt(seq) !== expectedSeq) {
    return {
      kind: 'CHAIN_BROKEN',
      seq: expectedSeq.toString(),
      message: `chain link ${expectedSeq} is missing (the next is ${seq})`,
    };
  }
  if (row.id == null) {
    if (BigInt(seq) > purgedThrough) {
      return { kind: 'REMOVED', seq, recordId, message: `record ${recordId}, sealed at seq ${seq}, was removed` };
    }
    return chainHashProblem(row, previousHash, row.chain_content_hash);
  }
  const record = row as ChainRow & RecordText;
  const content = contentHash(record);
  if (content !== row.chain_content_hash) {
    const [elsewhere] = await ds.query(`SELECT seq::text AS seq FROM audit_chain WHERE content_hash = $1 LIMIT 1`, [
      content,
    ]);
    return elsewhere
      ? {
          kind: 'REORDERED',
          seq,
          recordId,
          message: `record ${recordId} was sealed at seq ${elsewhere.seq} but the chain now has it at seq ${seq}`,
        }
      : {
          kind: 'EDITED',
          seq,
          recordId,
          message: `record ${recordId}, sealed at seq ${seq}, was edited: its content no longer matches its seal`,
        };
  }
  const xid = BigInt(record.xid);
  const id = BigInt(record.id);
  if (previous && (xid < previous.xid || (xid === previous.xid && id <= previous.id))) {
    return {
      kind: 'REORDERED',
      seq,
      recordId,
      message: `record ${recordId} at seq ${seq} comes before the record sealed ahead of it: the chain was reordered`,
    };
  }
  return chainHashProblem(row, previousHash, content);
}

function chainHashProblem(row: ChainRow, previousHash: string, content: string): AuditProblem | undefined {
  const { chain_seq: seq, chain_record_id: recordId } = row;
  if (chainHash(previousHash, seq, content) === row.chain_hash) return undefined;
  return {
    kind: 'CHAIN_BROKEN',
    seq,
    recordId,
    message: `the chain hash at seq ${seq} (record ${recordId}) does not follow from the links before it`,
  };
}

/** A record at or before the chain head in sealing order that no link seals. */
async function unchainedBefore(ds: DataSource, head: { xid: bigint; id: bigint }): Promise<string | undefined> {
  const [row] = await ds.query(
    `SELECT r.id::text AS id FROM audit_record r
     WHERE (r.xid, r.id) <= ($1::xid8, $2::bigint)
       AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.record_id = r.id)
     ORDER BY r.xid, r.id LIMIT 1`,
    [head.xid.toString(), head.id.toString()],
  );
  return row?.id;
}

/** Each digest readable, in an unbroken sequence from 1, signed, and linked to the one before. */
function checkDigests(files: DigestFile[], key: KeyObject): AuditProblem[] {
  const problems: AuditProblem[] = [];
  let previous: SignedDigest | undefined;
  files.forEach((file, index) => {
    const invalid = (message: string) => problems.push({ kind: 'DIGEST_INVALID', message: `${file.file}: ${message}` });
    if (file.sequence !== index + 1) invalid(`expected digest ${index + 1} here: digests are missing`);
    const digest = file.digest;
    if (!digest) return invalid(`unreadable (${file.unreadable})`);
    if (digest.sequence !== file.sequence) invalid(`names sequence ${digest.sequence}`);
    if (!digestSignatureHolds(digest, key)) invalid('its signature does not hold');
    if ((previous?.signature ?? null) !== digest.previousSignature) invalid('does not repeat the previous signature');
    const from = previous ? (BigInt(previous.headSeq) + 1n).toString() : '1';
    if (digest.fromSeq !== from) invalid(`starts at seq ${digest.fromSeq}, not ${from}`);
    previous = digest;
  });
  return problems;
}

/** The report `npm run audit:verify` prints: the verdict, then each problem, the first being the first bad record. */
export function formatVerification(v: AuditVerification): string {
  const from = v.anchorSeq ? ` from the purge anchor at seq ${v.anchorSeq}` : '';
  const summary = `chain of ${v.chainLength} links, sound${from} through seq ${v.verifiedThrough}; ${v.digestsChecked} digests`;
  if (v.ok) return `audit:verify OK: ${summary}`;
  return [
    `audit:verify FAILED: ${summary}; ${v.problems.length} problem(s)`,
    ...v.problems.map((p) => `  ${p.kind}${p.recordId ? ` record ${p.recordId}` : ''}: ${p.message}`),
  ].join('\n');
}
