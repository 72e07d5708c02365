import type { DataSource } from 'typeorm';
import {
  blindIndexColumn,
  DIGEST_COLUMN,
  ENCRYPTED_COLUMNS,
  ENCRYPTION,
  Keyring,
  KeyScope,
  Queryable,
  ROW_ID_COLUMN,
  rotateActiveDataKey,
} from './keyring';
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
  const current = `enc1:${keyId}:%`;
  const stale = staleCondition(scope, `NOT LIKE $1`);
  let reencrypted = 0;
  for (;;) {
    const moved = await resealBatch(ds, keyring, scope, stale, [current], batchSize);
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

/**
 * Rows of a scope whose stored values are not what sealRow would store now:
 * a value not matching `notUnder` (`NOT LIKE $1`: under another key; `NOT
 * LIKE 'enc1:%'`: not encrypted), or a blind index or digest not filled yet.
 */
function staleCondition(scope: KeyScope, notUnder: string): string {
  const spec = ENCRYPTION[scope];
  const conditions = spec.columns.map((c) => `(${c} IS NOT NULL AND ${c} ${notUnder})`);
  for (const c of spec.blindIndexed) conditions.push(`(${c} IS NOT NULL AND ${blindIndexColumn(c)} IS NULL)`);
  if (spec.digest) conditions.push(`${DIGEST_COLUMN} IS NULL`);
  return conditions.join(' OR ');
}

/**
 * One batch of a scope's stale rows sealed again under the active key, in a
 * short transaction of its own that skips rows another writer holds.
 * Returns how many rows it wrote.
 */
async function resealBatch(
  ds: DataSource,
  keyring: Keyring,
  scope: KeyScope,
  stale: string,
  params: unknown[],
  batchSize: number,
): Promise<number> {
  const columns = ENCRYPTED_COLUMNS[scope];
  const rowId = ROW_ID_COLUMN[scope] ?? 'id';
  return ds.transaction(async (em) => {
    const rows: Record<string, string | null>[] = await em.query(
      `SELECT ${rowId} AS id, ${columns.join(', ')} FROM ${scope} WHERE ${stale}
        ORDER BY ${rowId} LIMIT $${params.length + 1} FOR UPDATE SKIP LOCKED`,
      [...params, batchSize],
    );
    await keyring.prepare(
      em,
      rows.flatMap((row) => columns.map((c) => row[c])),
    );
    await keyring.ensure(em, scope);
    for (const row of rows) {
      const plain = Object.fromEntries(
        columns.map((c) => [c, row[c] === null ? null : keyring.decrypt(scope, c, row[c] as string)]),
      );
      await writeSealed(em, scope, row.id as string, keyring.sealRow(scope, plain));
    }
    return rows.length;
  });
}

async function writeSealed(em: Queryable, scope: KeyScope, id: string, stored: Record<string, string | null>) {
  const names = Object.keys(stored);
  const rowId = ROW_ID_COLUMN[scope] ?? 'id';
  await em.query(`UPDATE ${scope} SET ${names.map((c, i) => `${c} = $${i + 2}`).join(', ')} WHERE ${rowId} = $1`, [
    id,
    ...names.map((c) => stored[c]),
  ]);
}

/**
 * Rows written before their columns were encrypted (or before their blind
 * index existed), sealed under the active keys: what an upgrade leaves for
 * the first server start (app.ts) and `npm run ingest`, before any lookup
 * relies on a blind index. Batches of short transactions, on the caller's
 * one connection at a time; nothing to do costs one statement per scope.
 */
export async function sealLegacyRows(
  ds: DataSource,
  keyring: Keyring,
  onBatch?: (scope: KeyScope, done: number) => void,
): Promise<number> {
  let total = 0;
  for (const scope of Object.keys(ENCRYPTION) as KeyScope[]) {
    const stale = staleCondition(scope, `NOT LIKE 'enc1:%'`);
    let done = 0;
    for (;;) {
      const moved = await resealBatch(ds, keyring, scope, stale, [], 1_000);
      if (moved === 0) break;
      done += moved;
      onBatch?.(scope, done);
    }
    total += done;
  }
  return total;
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
