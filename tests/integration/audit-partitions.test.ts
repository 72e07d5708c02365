import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { AuditRecordPartitions1765872000001 } from '../../migrations/1765872000001-AuditRecordPartitions';
import { createDataSource } from '../../src/db/data-source';
import { writeDigest } from '../../src/modules/audit/audit-digest';
import { createAuditPartitions, partitionsAhead } from '../../src/modules/audit/audit-partitions';
import { sealAuditRecords } from '../../src/modules/audit/audit-sealer';
import { verifyAuditLog } from '../../src/modules/audit/audit-verify';
import { createTestDatabase } from '../support/test-database';

let ds: DataSource;
let drop: () => Promise<void>;
beforeEach(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  ds = createDataSource(db.url, { poolSize: 3 });
  await ds.initialize();
});
afterEach(async () => {
  await ds.destroy();
  await drop();
});

const insert = (occurredAt: string | null, tag: string) =>
  ds.query(
    `INSERT INTO audit_record (occurred_at, actor_id, actor_roles, operation, request_id)
     VALUES (coalesce($1::timestamptz, now()), 'actor', '{RISK_OFFICER}', 'READ', $2)
     RETURNING id::text AS id, tableoid::regclass::text AS partition`,
    [occurredAt, tag],
  );

const migration = new AuditRecordPartitions1765872000001();
async function migrate(direction: 'up' | 'down'): Promise<void> {
  const runner = ds.createQueryRunner();
  await runner.startTransaction();
  try {
    await migration[direction](runner);
    await runner.commitTransaction();
  } catch (error) {
    await runner.rollbackTransaction();
    throw error;
  } finally {
    await runner.release();
  }
}

const relkind = async () =>
  (await ds.query(`SELECT relkind FROM pg_class WHERE relname = 'audit_record'`))[0].relkind as string;

const everyRecord = () =>
  ds.query(`SELECT id::text, occurred_at, xid::text, request_id, detail FROM audit_record ORDER BY id`);

describe('audit_record partitioned by month', () => {
  it('converts a plain table with its records (ids, times, xids): the sealed chain still verifies and ids go on', async () => {
    await migrate('down');
    expect(await relkind()).toBe('r');
    await insert('2025-03-15T08:00:00Z', 'old');
    for (let i = 0; i < 3; i++) await insert(null, `now-${i}`);
    for (;;) {
      await sealAuditRecords(ds, 100);
      const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM audit_chain`);
      if (n === 4) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const dir = await mkdtemp(join(tmpdir(), 'c360-partitions-'));
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    await writeDigest(ds, dir, privateKey);
    const before = await everyRecord();

    await migrate('up');
    expect(await relkind()).toBe('p');
    expect(await everyRecord()).toEqual(before);
    const [{ partition }] = await ds.query(
      `SELECT tableoid::regclass::text AS partition FROM audit_record WHERE request_id = 'old'`,
    );
    expect(partition).toBe('audit_record_p202503');
    expect(await verifyAuditLog(ds, { digestDir: dir, verifyKey: publicKey })).toMatchObject({ ok: true });
    const [next] = await insert(null, 'after');
    expect(Number(next.id)).toBe(Math.max(...before.map((r: { id: string }) => Number(r.id))) + 1);
    await rm(dir, { recursive: true, force: true });
  });

  it('has this month and three ahead after migrating; the background step makes later ones, and the default partition takes a month nobody made', async () => {
    const now = new Date();
    const [current] = await insert(null, 'current');
    expect(current.partition).toBe(partitionsAhead(now, 0)[0].name);
    const made = await createAuditPartitions(ds, now, 5);
    expect(made).toEqual({
      created: partitionsAhead(now, 5)
        .slice(4)
        .map((p) => p.name),
      failed: [],
    });
    expect(await createAuditPartitions(ds, now, 5)).toEqual({ created: [], failed: [] });

    const farAhead = new Date(Date.UTC(now.getUTCFullYear() + 2, now.getUTCMonth(), 15));
    const [stray] = await insert(farAhead.toISOString(), 'far');
    expect(stray.partition).toBe('audit_record_default');
    // Its month cannot be made while the default holds a row of it: reported, not thrown.
    const blocked = await createAuditPartitions(ds, farAhead, 0);
    expect(blocked.created).toEqual([]);
    expect(blocked.failed.map((f) => f.name)).toEqual([partitionsAhead(farAhead, 0)[0].name]);
  });
});
