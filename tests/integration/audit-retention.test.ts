import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config';
import { chainHash } from '../../src/modules/audit/audit-chain';
import { writeDigest } from '../../src/modules/audit/audit-digest';
import { createAuditPartitions, monthPartition, monthsBefore } from '../../src/modules/audit/audit-partitions';
import { purgeAuditRecords } from '../../src/modules/audit/audit-retention';
import { sealAuditRecords } from '../../src/modules/audit/audit-sealer';
import { AuditSealer } from '../../src/modules/audit/audit-sealer-loop';
import { verifyAuditLog } from '../../src/modules/audit/audit-verify';
import { purgeExpiredRecords } from '../../src/modules/retention/record-retention';
import { AuditLogFixture, freshAuditLog } from '../support/audit-log';

/**
 * Read-audit retention (issue 20, part 6): whole month partitions past
 * AUDIT_RETENTION_MONTHS are dropped by the retention run, and audit:verify
 * still passes on what remains while still catching tampering. Records and
 * digests are dated years back rather than the minimum lowered.
 */
type Log = AuditLogFixture;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
const freshLog = () => freshAuditLog(cleanups);

const now = new Date();
/** A month ended 39 months ago: past the 36-month retention. */
const expiredMonth = monthPartition(monthsBefore(now, 40).getUTCFullYear(), monthsBefore(now, 40).getUTCMonth());
/** A month 30 months ago: within it. */
const keptMonth = monthPartition(monthsBefore(now, 30).getUTCFullYear(), monthsBefore(now, 30).getUTCMonth());
const midMonth = (p: { from: string }) => new Date(Date.parse(p.from) + 14 * 86_400_000).toISOString();

async function writeRecord(ds: DataSource, occurredAt: string | null, tag: string): Promise<string> {
  const [row] = await ds.query(
    `INSERT INTO audit_record (occurred_at, actor_id, actor_roles, fields, operation, request_id)
     VALUES (coalesce($1::timestamptz, now()), 'actor', '{RISK_OFFICER}', '{phone}', 'READ', $2)
     RETURNING id::text AS id`,
    [occurredAt, tag],
  );
  return row.id;
}

/** Another file's open transaction anywhere on the server holds sealing back: ask again until all are chained. */
async function sealAll(ds: DataSource): Promise<void> {
  for (;;) {
    await sealAuditRecords(ds, 1_000);
    const [{ waiting }] = await ds.query(
      `SELECT count(*)::int AS waiting FROM audit_record r
       WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.record_id = r.id)`,
    );
    if (waiting === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const seqOf = async (ds: DataSource, id: string): Promise<string> =>
  (await ds.query(`SELECT seq::text AS seq FROM audit_chain WHERE record_id = $1`, [id]))[0].seq;

/**
 * Four records of the expired month, one of them sealed after two of the
 * kept month's (its transaction came later: the chain is in commit order,
 * not time order), a digest dated 38 months back vouching for them, then
 * three records of today under a digest of today.
 */
async function oldAndNewRecords(log: Log) {
  for (const p of [expiredMonth, keptMonth]) await createAuditPartitions(log.ds, new Date(p.from), 0);
  const expired = [];
  for (let i = 0; i < 3; i++) expired.push(await writeRecord(log.ds, midMonth(expiredMonth), `old-${i}`));
  const kept = [
    await writeRecord(log.ds, midMonth(keptMonth), 'kept-0'),
    await writeRecord(log.ds, midMonth(keptMonth), 'kept-1'),
  ];
  expired.push(await writeRecord(log.ds, midMonth(expiredMonth), 'old-late'));
  await sealAll(log.ds);
  const oldDigest = await writeDigest(log.ds, log.dir, log.key.privateKey, monthsBefore(now, 38));
  expect(oldDigest).toMatchObject({ sequence: 1, headSeq: '6' });
  const recent = [];
  for (let i = 0; i < 3; i++) recent.push(await writeRecord(log.ds, null, `new-${i}`));
  await sealAll(log.ds);
  expect(await writeDigest(log.ds, log.dir, log.key.privateKey)).toMatchObject({ sequence: 2, headSeq: '9' });
  return { expired, kept, recent };
}

const verify = (log: Log) => verifyAuditLog(log.ds, { digestDir: log.dir, verifyKey: log.key.publicKey });

const settings = (log: Log) => ({
  retentionMonths: 36,
  digestDir: log.dir,
  verifyKey: async () => log.key.publicKey,
});

const partitionExists = async (ds: DataSource, name: string) =>
  (await ds.query(`SELECT 1 FROM pg_class WHERE relname = $1`, [name])).length === 1;

describe('audit record retention', () => {
  it('`npm run retention` drops a month partition past retention whose records are sealed, and audit:verify passes on what remains', async () => {
    const log = await freshLog();
    const { expired, kept, recent } = await oldAndNewRecords(log);
    const config = loadConfig({ AUDIT_DIGEST_DIR: log.dir, AUDIT_VERIFY_KEY_FILE: log.publicKeyFile });

    const outcome = await purgeExpiredRecords(log.ds, config, now);

    expect(outcome.audit.dropped).toEqual([{ name: expiredMonth.name, records: 4 }]);
    expect(outcome.audit.kept).toEqual([]);
    expect(await partitionExists(log.ds, expiredMonth.name)).toBe(false);
    expect(await partitionExists(log.ds, keptMonth.name)).toBe(true);
    const left = await log.ds.query(`SELECT id::text AS id FROM audit_record ORDER BY id`);
    expect(left.map((r: { id: string }) => r.id)).toEqual([...kept, ...recent]);
    // The links behind the first surviving record went with their records; the late one's link stays, purged.
    expect(outcome.audit.linksRemoved).toBe(3);
    expect(await seqOf(log.ds, kept[0])).toBe('4');
    const [checkpoint] = await log.ds.query(
      `SELECT anchor_seq::text AS anchor, purged_through::text AS through, digest_sequence AS digest
       FROM audit_purge ORDER BY id DESC LIMIT 1`,
    );
    expect(checkpoint).toEqual({ anchor: '4', through: '6', digest: 1 });
    expect(await seqOf(log.ds, expired[3])).toBe('6');

    expect(await verify(log)).toMatchObject({ ok: true, anchorSeq: '4', verifiedThrough: '9', problems: [] });
    // A second run finds nothing more to do, and verification still holds.
    const again = await purgeExpiredRecords(log.ds, config, now);
    expect(again.audit).toMatchObject({ dropped: [], kept: [], linksRemoved: 0 });
    expect((await verify(log)).ok).toBe(true);
  });

  it('keeps a month with a record not yet sealed, and one whose records no digest written before the cutoff covers', async () => {
    const log = await freshLog();
    await createAuditPartitions(log.ds, new Date(expiredMonth.from), 0);
    await writeRecord(log.ds, midMonth(expiredMonth), 'sealed');
    await sealAll(log.ds);
    // Only a digest of today: nothing proves the record was sealed before the cutoff.
    await writeDigest(log.ds, log.dir, log.key.privateKey);
    expect(await purgeAuditRecords(log.ds, settings(log), now)).toMatchObject({
      dropped: [],
      kept: [{ name: expiredMonth.name, reason: 'NO_DIGEST_PAST_RETENTION' }],
    });

    await writeRecord(log.ds, midMonth(expiredMonth), 'unsealed');
    expect(await purgeAuditRecords(log.ds, settings(log), now)).toMatchObject({
      dropped: [],
      kept: [{ name: expiredMonth.name, reason: 'UNSEALED' }],
    });
    const [{ n }] = await log.ds.query(`SELECT count(*)::int AS n FROM ${expiredMonth.name}`);
    expect(n).toBe(2);
  });

  it('keeps a month whose records were sealed after the last digest written before the cutoff, until a later one covers them', async () => {
    const log = await freshLog();
    await createAuditPartitions(log.ds, new Date(expiredMonth.from), 0);
    await writeRecord(log.ds, midMonth(expiredMonth), 'first');
    await sealAll(log.ds);
    await writeDigest(log.ds, log.dir, log.key.privateKey, monthsBefore(now, 38));
    await writeRecord(log.ds, midMonth(expiredMonth), 'second');
    await sealAll(log.ds);
    await writeDigest(log.ds, log.dir, log.key.privateKey);
    expect(await purgeAuditRecords(log.ds, settings(log), now)).toMatchObject({
      dropped: [],
      kept: [{ name: expiredMonth.name, reason: 'NOT_YET_IN_A_DIGEST_PAST_RETENTION' }],
    });
  });

  it('keeps a month partition busy behind a reader of audit_record (lock_timeout) and drops it on the next run', async () => {
    const log = await freshLog();
    await oldAndNewRecords(log);
    const reader = log.ds.createQueryRunner();
    await reader.startTransaction();
    try {
      await reader.query(`SELECT count(*) FROM audit_record`);
      expect(await purgeAuditRecords(log.ds, settings(log), now)).toMatchObject({
        dropped: [],
        kept: [{ name: expiredMonth.name, reason: 'BUSY' }],
      });
    } finally {
      await reader.rollbackTransaction();
      await reader.release();
    }
    expect((await purgeAuditRecords(log.ds, settings(log), now)).dropped).toEqual([
      { name: expiredMonth.name, records: 4 },
    ]);
  });

  describe('after a purge, audit:verify still catches', () => {
    async function purged(): Promise<{ log: Log; kept: string[]; recent: string[] }> {
      const log = await freshLog();
      const { kept, recent } = await oldAndNewRecords(log);
      expect((await purgeAuditRecords(log.ds, settings(log), now)).dropped).toHaveLength(1);
      return { log, kept, recent };
    }

    it('an edited surviving record (the anchor’s own)', async () => {
      const { log, kept } = await purged();
      await log.ds.query(`UPDATE audit_record SET fields = '{}' WHERE id = $1`, [kept[0]]);
      expect((await verify(log)).problems[0]).toMatchObject({ kind: 'EDITED', recordId: kept[0], seq: '4' });
    });

    it('a deleted surviving record, with no checkpoint claiming it', async () => {
      const { log, recent } = await purged();
      await log.ds.query(`DELETE FROM audit_record WHERE id = $1`, [recent[0]]);
      expect((await verify(log)).problems[0]).toMatchObject({ kind: 'REMOVED', recordId: recent[0], seq: '7' });
    });

    it('a checkpoint forged to cover the deletion of records within retention', async () => {
      const { log, kept, recent } = await purged();
      await log.ds.query(`DELETE FROM audit_record WHERE id = ANY($1::bigint[])`, [[...kept, recent[0]]]);
      // Claims the records through seq 7 were purged, naming either digest: the old one does not reach seq 7, and
      // today's was written within retention.
      for (const digest of [1, 2]) {
        await log.ds.query(
          `INSERT INTO audit_purge (anchor_seq, anchor_hash, purged_through, digest_sequence)
           SELECT 4, anchor_hash, 7, $1 FROM audit_purge ORDER BY id DESC LIMIT 1`,
          [digest],
        );
        const outcome = await verify(log);
        expect(outcome.ok).toBe(false);
        expect(outcome.problems.map((p) => p.kind)).toContain('ANCHOR_INVALID');
      }
    });

    it('a checkpoint forged with another anchor hash and the chain rewritten from it, and a checkpoint removed', async () => {
      const { log } = await purged();
      const [real] = await log.ds.query(`SELECT id FROM audit_purge ORDER BY id DESC LIMIT 1`);
      const forged = 'f'.repeat(64);
      await log.ds.query(
        `INSERT INTO audit_purge (anchor_seq, anchor_hash, purged_through, digest_sequence) VALUES (4, $1, 6, 1)`,
        [forged],
      );
      // What a forger with the database does next: make the chain table follow from the forged hash.
      const links: { seq: string; content: string }[] = await log.ds.query(
        `SELECT seq::text AS seq, content_hash AS content FROM audit_chain ORDER BY seq`,
      );
      let previous = forged;
      for (const link of links) {
        previous = chainHash(previous, link.seq, link.content);
        await log.ds.query(`UPDATE audit_chain SET chain_hash = $1 WHERE seq = $2`, [previous, link.seq]);
      }
      // The signed digest at seq 6 is what no forged anchor can reach.
      expect((await verify(log)).problems[0]).toMatchObject({ kind: 'DIGEST_MISMATCH', seq: '6' });

      await log.ds.query(`DELETE FROM audit_purge WHERE id >= $1`, [real.id]);
      // Back to an earlier checkpoint (anchored at 1): the links removed behind the real anchor are missing.
      expect((await verify(log)).problems[0]).toMatchObject({ kind: 'CHAIN_BROKEN', seq: '1' });
    });
  });

  it('reports the age of the oldest record not yet sealed (what an idle open transaction lets grow) as a metric', async () => {
    const log = await freshLog();
    const registry = new Registry();
    new AuditSealer(
      { ds: log.ds, own: false, open: async () => undefined, close: async () => undefined },
      loadConfig({ AUDIT_DIGEST_DIR: log.dir }).audit.sealer,
      { info() {}, error() {} },
      registry,
    );
    await writeRecord(log.ds, new Date(Date.now() - 2 * 3_600_000).toISOString(), 'waiting');
    const metric = await registry.getSingleMetric('audit_unsealed_oldest_age_seconds')!.get();
    expect(metric.values[0].value).toBeGreaterThanOrEqual(2 * 3_600);
  });
});
