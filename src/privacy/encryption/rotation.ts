import type { DataSource } from 'typeorm';
import { ENCRYPTED_COLUMNS, Keyring, KeyScope, ROW_ID_COLUMN, rotateActiveDataKey } from './keyring';
import type { MasterKeyProvider } from './master-keys';

export interface RotationProgress {
  done: number;
  /** Rows left under other keys (or in plaintext) when the batch started. */
  left: number;
}

/**
 * Rotating the master key: every data key not wrapped under the current one
 * is unwrapped with its own (still configured, among the retired keys) and
 * wrapped again. Data rows are not touched. Returns how many were re-wrapped.
 */
export async function rewrapDataKeys(ds: DataSource, masterKeys: MasterKeyProvider): Promise<number> {
  const stale: { id: number; masterKeyId: string; wrapped: Buffer }[] = await ds.query(
    `SELECT id, master_key_id AS "masterKeyId", wrapped FROM data_key WHERE master_key_id <> $1 ORDER BY id`,
    [masterKeys.currentId],
  );
  for (const key of stale) {
    const { masterKeyId, wrapped } = await masterKeys.wrap(await masterKeys.unwrap(key.masterKeyId, key.wrapped));
    // Only if nobody re-wrapped it meanwhile: two rotations at once both succeed, once.
    await ds.query(`UPDATE data_key SET master_key_id = $2, wrapped = $3 WHERE id = $1 AND master_key_id = $4`, [
      key.id,
      masterKeyId,
      wrapped,
      key.masterKeyId,
    ]);
  }
  return stale.length;
}

/**
 * Rotating a scope's data key: a new key becomes active (unless `resume`,
 * which goes on with the active one after an interrupted run), then every
 * row whose values are under another key, or not encrypted yet, is
 * re-encrypted in batches, each its own short transaction that skips rows
 * another writer holds. Reads go on throughout: old keys stay readable.
 *
 * Servers learn of the new key within their refresh interval (a minute)
 * and write under the old one until then, so passes repeat until one finds
 * nothing after `settleMs` has passed since the key was made, by the
 * database's clock. A write begun under the old key just before and
 * committed after that last pass can still land: the run ends by counting
 * what is left under other keys, and `--resume` picks it up.
 */
export async function rotateDataKey(
  ds: DataSource,
  masterKeys: MasterKeyProvider,
  scope: KeyScope,
  options: {
    resume?: boolean;
    batchSize?: number;
    settleMs?: number;
    onBatch?: (p: RotationProgress) => Promise<void> | void;
  } = {},
): Promise<{ reencrypted: number; keyId: number; left: number }> {
  const { batchSize = 1_000, settleMs = 75_000, onBatch } = options;
  if (!options.resume) await rotateActiveDataKey(ds.manager, masterKeys, scope);
  // Its own keyring, read once now: it holds the new key from the start.
  const keyring = new Keyring(masterKeys);
  await keyring.refresh(ds);
  const keyId = keyring.activeKeyId(scope);
  const columns = ENCRYPTED_COLUMNS[scope];
  const rowId = ROW_ID_COLUMN[scope] ?? 'id';
  const current = `enc1:${keyId}:%`;
  const stale = columns.map((c) => `(${c} IS NOT NULL AND ${c} NOT LIKE $1)`).join(' OR ');
  let reencrypted = 0;
  for (;;) {
    const moved = await ds.transaction(async (em) => {
      const rows: Record<string, string | null>[] = await em.query(
        `SELECT ${rowId} AS id, ${columns.join(', ')} FROM ${scope} WHERE ${stale} ORDER BY ${rowId} LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [current, batchSize],
      );
      await keyring.prepare(
        em,
        rows.flatMap((row) => columns.map((c) => row[c])),
      );
      for (const row of rows) {
        const values = await Promise.all(
          columns.map(async (c) =>
            row[c] === null ? null : keyring.encrypt(em, scope, c, keyring.decrypt(scope, c, row[c] as string)),
          ),
        );
        await em.query(
          `UPDATE ${scope} SET ${columns.map((c, i) => `${c} = $${i + 2}`).join(', ')} WHERE ${rowId} = $1`,
          [row.id, ...values],
        );
      }
      return rows.length;
    });
    reencrypted += moved;
    if (moved > 0) {
      const [{ left }] = await ds.query(`SELECT count(*)::int AS left FROM ${scope} WHERE ${stale}`, [current]);
      await onBatch?.({ done: reencrypted, left });
      continue;
    }
    const [{ settled }] = await ds.query(
      `SELECT now() - created_at >= make_interval(secs => $2) AS settled FROM data_key WHERE id = $1`,
      [keyId, settleMs / 1000],
    );
    if (settled) {
      const [{ left }] = await ds.query(`SELECT count(*)::int AS left FROM ${scope} WHERE ${stale}`, [current]);
      return { reencrypted, keyId, left };
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** How many values of a scope are under each data key ('plaintext': not encrypted yet): what a rotation has to do. */
export async function keyUsage(ds: DataSource, scope: KeyScope): Promise<Record<string, number>> {
  const usage: Record<string, number> = {};
  for (const column of ENCRYPTED_COLUMNS[scope]) {
    const rows: { key: string | null; n: number }[] = await ds.query(
      `SELECT substring(${column} from '^enc1:([0-9]+):') AS key, count(*)::int AS n
         FROM ${scope} WHERE ${column} IS NOT NULL GROUP BY 1`,
    );
    for (const { key, n } of rows) usage[key ?? 'plaintext'] = (usage[key ?? 'plaintext'] ?? 0) + n;
  }
  return usage;
}
