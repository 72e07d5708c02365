import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { chainHash, GENESIS_HASH } from '../../src/modules/audit/audit-chain';
import { readDigests, writeDigest } from '../../src/modules/audit/audit-digest';
import { sealAuditRecords } from '../../src/modules/audit/audit-sealer';
import { AuditSealer } from '../../src/modules/audit/audit-sealer-loop';
import { verifyAuditLog } from '../../src/modules/audit/audit-verify';
import { AuditLogFixture, freshAuditLog } from '../support/audit-log';
import { useTestApp } from '../support/test-app';

const run = promisify(execFile);
const { app, make } = useTestApp();

/** Each tampering test breaks its database's chain for good: each gets a database and a digest directory of its own. */
type Log = AuditLogFixture;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
const freshLog = () => freshAuditLog(cleanups);

/** Records as the read-audit writer inserts them (one statement), with distinct request ids; their ids, ascending. */
async function writeRecords(
  db: DataSource | { query: DataSource['query'] },
  count: number,
  tag = 'r',
): Promise<string[]> {
  const rows: { id: string }[] = await db.query(
    `INSERT INTO audit_record (actor_id, actor_roles, customer_id, fields, operation, operation_name, request_id, detail)
     SELECT 'actor-' || n, '{RISK_OFFICER}', gen_random_uuid(), '{aum}', 'READ', 'Page', $2 || '-' || n,
            jsonb_build_object('n', n)
     FROM generate_series(1, $1::int) AS n RETURNING id::text AS id`,
    [count, tag],
  );
  return rows.map((r) => r.id).sort((a, b) => Number(a) - Number(b));
}

const chained = async (ds: DataSource): Promise<string[]> =>
  (await ds.query(`SELECT record_id::text AS id FROM audit_chain ORDER BY seq`)).map((r: { id: string }) => r.id);

/**
 * Seals until every given record is chained. Another test file's open
 * transaction (anywhere on the server) holds sealing back until it ends, so
 * this asks again rather than expecting one round to do it.
 */
async function sealUntilChained(ds: DataSource, ids: string[]): Promise<void> {
  for (;;) {
    await sealAuditRecords(ds, 1_000);
    const done = new Set(await chained(ds));
    if (ids.every((id) => done.has(id))) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Five records sealed, and a digest vouching for all five. */
async function sealedWithDigest(log: Log): Promise<string[]> {
  const ids = await writeRecords(log.ds, 5);
  await sealUntilChained(log.ds, ids);
  expect(await writeDigest(log.ds, log.dir, log.key.privateKey)).toMatchObject({ headSeq: '5' });
  return ids;
}

const verify = (log: Log) => verifyAuditLog(log.ds, { digestDir: log.dir, verifyKey: log.key.publicKey });

describe('the audit chain', () => {
  it('keeps sealing past its tenth link: the head is the highest number, not the highest text', async () => {
    const log = await freshLog();
    const first = await writeRecords(log.ds, 12);
    await sealUntilChained(log.ds, first);
    const second = await writeRecords(log.ds, 3, 's');
    await sealUntilChained(log.ds, second);
    expect(await chained(log.ds)).toEqual([...first, ...second]);
    expect(await writeDigest(log.ds, log.dir, log.key.privateKey)).toMatchObject({ headSeq: '15' });
    expect((await verify(log)).ok).toBe(true);
  });

  it('chains every committed record once, numbered from 1, and an untouched log with its digests verifies', async () => {
    const log = await freshLog();
    const first = await sealedWithDigest(log);
    const second = await writeRecords(log.ds, 3, 's');
    await sealUntilChained(log.ds, second);
    expect(await writeDigest(log.ds, log.dir, log.key.privateKey)).toMatchObject({
      sequence: 2,
      fromSeq: '6',
      headSeq: '8',
    });
    // Nothing new: no third digest.
    expect(await writeDigest(log.ds, log.dir, log.key.privateKey)).toBeUndefined();

    const links = await log.ds.query(`SELECT seq::text AS seq, record_id::text AS id FROM audit_chain ORDER BY seq`);
    expect(links).toEqual([...first, ...second].map((id, i) => ({ seq: String(i + 1), id })));
    const digests = await readDigests(log.dir);
    expect(digests.map((d) => d.file)).toEqual(['000000000001.json', '000000000002.json']);
    expect(digests[1].digest!.previousSignature).toBe(digests[0].digest!.signature);
    expect(await verify(log)).toEqual({
      ok: true,
      chainLength: '8',
      verifiedThrough: '8',
      digestsChecked: 2,
      problems: [],
    });
  });

  it('names an edited record', async () => {
    const log = await freshLog();
    const ids = await sealedWithDigest(log);
    await log.ds.query(`UPDATE audit_record SET fields = '{}' WHERE id = $1`, [ids[2]]);
    const outcome = await verify(log);
    expect(outcome.ok).toBe(false);
    expect(outcome.problems[0]).toMatchObject({ kind: 'EDITED', recordId: ids[2], seq: '3' });
  });

  it('names a removed record', async () => {
    const log = await freshLog();
    const ids = await sealedWithDigest(log);
    await log.ds.query(`DELETE FROM audit_record WHERE id = $1`, [ids[1]]);
    expect((await verify(log)).problems[0]).toMatchObject({ kind: 'REMOVED', recordId: ids[1], seq: '2' });
  });

  it('names a record inserted afterwards with a sealed record’s id (ids are unique only with their time)', async () => {
    const log = await freshLog();
    const ids = await sealedWithDigest(log);
    await log.ds.query(
      `INSERT INTO audit_record (id, occurred_at, actor_id, actor_roles, fields, operation, request_id)
       OVERRIDING SYSTEM VALUE
       SELECT id, occurred_at - interval '1 day', actor_id, actor_roles, fields, operation, 'forged'
       FROM audit_record WHERE id = $1`,
      [ids[2]],
    );
    const outcome = await verify(log);
    expect(outcome.ok).toBe(false);
    expect(outcome.problems[0]).toMatchObject({ kind: 'INSERTED', recordId: ids[2] });
  });

  it('names the first record of two whose places in the chain were swapped', async () => {
    const log = await freshLog();
    const ids = await sealedWithDigest(log);
    await swapLinks(log.ds, 2, 4, ['record_id']);
    expect((await verify(log)).problems[0]).toMatchObject({ kind: 'REORDERED', recordId: ids[3], seq: '2' });
  });

  it('names a reordering even when the chain hashes were recomputed to match it', async () => {
    const log = await freshLog();
    const ids = await sealedWithDigest(log);
    // Seal order 1, 2, 4, 3, 5, with every chain hash from seq 3 on recomputed: only the order gives it away.
    await swapLinks(log.ds, 3, 4, ['record_id', 'record_xid', 'content_hash']);
    await rechain(log.ds);
    expect((await verify(log)).problems[0]).toMatchObject({ kind: 'REORDERED', recordId: ids[2], seq: '4' });
  });

  it('catches an edit hidden by a recomputed chain through the digest', async () => {
    const log = await freshLog();
    await sealedWithDigest(log);
    const [{ id }] = await log.ds.query(`SELECT record_id::text AS id FROM audit_chain WHERE seq = 2`);
    await log.ds.query(`UPDATE audit_record SET actor_id = 'someone-else' WHERE id = $1`, [id]);
    // The forger reseals the edited record as the sealer would: the chain table is consistent again.
    const { contentHash, RECORD_TEXT_COLUMNS } = await import('../../src/modules/audit/audit-chain');
    const [record] = await log.ds.query(`SELECT ${RECORD_TEXT_COLUMNS} FROM audit_record r WHERE r.id = $1`, [id]);
    await log.ds.query(`UPDATE audit_chain SET content_hash = $1 WHERE seq = 2`, [contentHash(record)]);
    await rechain(log.ds);
    const outcome = await verify(log);
    expect(outcome.problems).toEqual([expect.objectContaining({ kind: 'DIGEST_MISMATCH', seq: '5' })]);
  });

  it('reports a truncation: links and records past a digest’s head gone', async () => {
    const log = await freshLog();
    await sealedWithDigest(log);
    await log.ds.query(`DELETE FROM audit_record WHERE id IN (SELECT record_id FROM audit_chain WHERE seq >= 4)`);
    await log.ds.query(`DELETE FROM audit_chain WHERE seq >= 4`);
    const outcome = await verify(log);
    expect(outcome.chainLength).toBe('3');
    expect(outcome.problems).toEqual([expect.objectContaining({ kind: 'TRUNCATED', seq: '4' })]);
  });

  it('reports a digest that was altered or removed from the sequence', async () => {
    const log = await freshLog();
    await sealedWithDigest(log);
    await sealUntilChained(log.ds, await writeRecords(log.ds, 1, 's'));
    await writeDigest(log.ds, log.dir, log.key.privateKey);
    const first = join(log.dir, '000000000001.json');
    const digest = JSON.parse(await readFile(first, 'utf8'));
    await writeFile(first, JSON.stringify({ ...digest, headSeq: '4' }));
    expect((await verify(log)).problems[0]).toMatchObject({
      kind: 'DIGEST_INVALID',
      message: expect.stringContaining('signature does not hold'),
    });
    await rm(first);
    expect((await verify(log)).problems[0]).toMatchObject({
      kind: 'DIGEST_INVALID',
      message: expect.stringContaining('expected digest 1 here'),
    });
  });

  it('does not seal a record committed after one whose older transaction is still open, until that one commits', async () => {
    const log = await freshLog();
    const older = log.ds.createQueryRunner();
    await older.connect();
    try {
      await older.startTransaction();
      // The older transaction takes its xid and a record id first, and commits last.
      const [olderId] = await writeRecords(older.manager, 1, 'older');
      const [laterId] = await writeRecords(log.ds, 1, 'later');
      expect(Number(laterId)).toBeGreaterThan(Number(olderId));

      // However often the sealer runs meanwhile, the later record waits behind the open transaction.
      for (let round = 0; round < 3; round++) await sealAuditRecords(log.ds, 1_000);
      expect(await chained(log.ds)).toEqual([]);

      await older.commitTransaction();
      await sealUntilChained(log.ds, [olderId, laterId]);
      expect(await chained(log.ds)).toEqual([olderId, laterId]);
    } finally {
      if (older.isTransactionActive) await older.rollbackTransaction();
      await older.release();
    }
    expect((await verify(log)).ok).toBe(true);
  });

  it('chains and digests the records of audited reads in the background, off the request path', async () => {
    const customer = await make.customer();
    const res = await app.gql(`query Read($id: ID!) { customer(id: $id) { phone } }`, { id: customer.id });
    expect(res.data.customer.phone).toBeTruthy();
    const [{ id }] = await app.ds.query(`SELECT id::text AS id FROM audit_record WHERE request_id = $1`, [
      res.headers.get('x-request-id'),
    ]);
    const dir = await mkdtemp(join(tmpdir(), 'c360-audit-digests-'));
    const keyFile = join(dir, 'signing-key.pem');
    const registry = new Registry();
    const sealer = new AuditSealer(
      { ds: app.ds, own: false, open: async () => undefined, close: async () => undefined },
      {
        enabled: true,
        pollMs: 20,
        batchSize: 100,
        digestDir: join(dir, 'digests'),
        digestIntervalMs: 100,
        signingKeyFile: keyFile,
        generateSigningKey: true,
        verifyKeyFile: undefined,
      },
      { info() {}, error() {} },
      registry,
    );
    sealer.start();
    try {
      // Done once a digest vouches for a chain that includes the read's record.
      for (;;) {
        const [link] = await app.ds.query(`SELECT seq::text AS seq FROM audit_chain WHERE record_id = $1`, [id]);
        const last = (await readDigests(join(dir, 'digests'))).at(-1)?.digest;
        if (link && last && BigInt(last.headSeq) >= BigInt(link.seq)) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await sealer.stop();
    }
    const { loadVerifyKey } = await import('../../src/modules/audit/audit-digest');
    const verifyKey = await loadVerifyKey({
      signingKeyFile: keyFile,
      generateSigningKey: false,
      verifyKeyFile: undefined,
    });
    const outcome = await verifyAuditLog(app.ds, { digestDir: join(dir, 'digests'), verifyKey });
    expect(outcome).toMatchObject({ ok: true, problems: [] });
    expect(await registry.getSingleMetricAsString('audit_sealed_records_total')).toMatch(
      /audit_sealed_records_total [1-9]/,
    );
    await rm(dir, { recursive: true, force: true });
  });

  it('is what `npm run audit:verify` runs: it names the first bad record and exits non-zero', async () => {
    const log = await freshLog();
    const ids = await sealedWithDigest(log);
    await log.ds.query(`UPDATE audit_record SET detail = '{"n": 99}' WHERE id = ANY($1::bigint[])`, [[ids[1], ids[3]]]);
    const { publicKeyFile } = log;
    const env = {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: log.url,
      AUDIT_DIGEST_DIR: log.dir,
      AUDIT_VERIFY_KEY_FILE: publicKeyFile,
    };
    const failure = await run(process.execPath, ['-r', '@swc-node/register', 'scripts/audit-verify.ts'], { env }).then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toMatch(
      new RegExp(`^audit:verify FAILED: chain of 5 links, sound through seq 1;.*\\n  EDITED record ${ids[1]}:`),
    );
  });
});

/** Swaps the given columns of two links (through record_id -1 first: record_id is unique). */
async function swapLinks(ds: DataSource, a: number, b: number, columns: string[]): Promise<void> {
  const select = columns.map((c) => `${c}::text AS ${c}`).join(', ');
  const [first] = await ds.query(`SELECT ${select} FROM audit_chain WHERE seq = $1`, [a]);
  const [second] = await ds.query(`SELECT ${select} FROM audit_chain WHERE seq = $1`, [b]);
  const set = (seq: number, values: Record<string, string>) =>
    ds.query(
      `UPDATE audit_chain SET ${columns.map((c, i) => `${c} = $${i + 2}::text::${c === 'content_hash' ? 'text' : c === 'record_xid' ? 'xid8' : 'bigint'}`).join(', ')} WHERE seq = $1`,
      [seq, ...columns.map((c) => values[c])],
    );
  await ds.query(`UPDATE audit_chain SET record_id = -1 WHERE seq = $1`, [a]);
  await set(b, first);
  await set(a, second);
}

/** What a forger with database access does after changing links: recompute every chain hash so the table is consistent. */
async function rechain(ds: DataSource): Promise<void> {
  const links: { seq: string; content: string }[] = await ds.query(
    `SELECT seq::text AS seq, content_hash AS content FROM audit_chain ORDER BY seq`,
  );
  let previous = GENESIS_HASH;
  for (const link of links) {
    previous = chainHash(previous, link.seq, link.content);
    await ds.query(`UPDATE audit_chain SET chain_hash = $1 WHERE seq = $2`, [previous, link.seq]);
  }
}
