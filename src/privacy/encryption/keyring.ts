import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { KEY_BYTES, MasterKeyProvider } from './master-keys';

/** What is stored encrypted, by data-key scope (one data key per table) and column. */
export const ENCRYPTED_COLUMNS = {
  lead: ['phone'],
  /** An erased customer's legally held records (identity, holdings, ratings), as one JSON document. */
  customer_erasure: ['held'],
} as const;
export type KeyScope = keyof typeof ENCRYPTED_COLUMNS;
export const KEY_SCOPES = Object.keys(ENCRYPTED_COLUMNS) as KeyScope[];

/** The column naming a scope's row, where it is not `id` (a rotation re-encrypts row by row). */
export const ROW_ID_COLUMN: Partial<Record<KeyScope, string>> = { customer_erasure: 'customer_id' };

/** `enc1:<data key id>:<base64 of iv | ciphertext | tag>`: a stored value says which key opens it. */
const PREFIX = 'enc1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Whatever runs a statement: a transaction's EntityManager, or a DataSource (its own connection per call). */
export type Queryable = Pick<EntityManager, 'query'>;

interface DataKey {
  id: number;
  scope: KeyScope;
  key: Buffer;
}

/**
 * The data keys, unwrapped once and held in memory, so that encrypting and
 * decrypting a value is a local AES-256-GCM call (no round trip per row).
 * Each scope has one active key that new values are written under; retired
 * ones stay readable until `npm run keys:rotate` has re-encrypted their rows.
 * The additional data binds a value to its table and column: a ciphertext
 * copied into another column does not open.
 */
export class Keyring {
  private byId = new Map<number, DataKey>();
  private active = new Map<KeyScope, DataKey>();
  /** Keys whose master key is not configured: values under them fail alone, the rest of the scope still opens. */
  private unreadable = new Set<number>();
  private loadedAt = 0;
  private loading?: Promise<void>;

  constructor(
    private readonly masterKeys: MasterKeyProvider,
    /** How stale the active keys may get before a write reads them again: a rotation elsewhere shows within this. */
    private readonly refreshMs = 60_000,
  ) {}

  /**
   * Reads the data keys once, and again when stale. Lazily, on the caller's
   * own connection (a transaction's, or the replica a query reads from): a
   * request never waits for a second connection, which the embedded
   * database's pool of one would never give, and a server that starts while
   * the database is down still comes up.
   */
  private ready(db: Queryable): Promise<void> {
    if (this.loadedAt && Date.now() - this.loadedAt < this.refreshMs) return Promise.resolve();
    return this.refresh(db);
  }

  /**
   * Makes every scope's first data key and reads the keys, outside any
   * transaction (a server calls it at start; if the database is down then,
   * the first write makes the key in its own transaction instead).
   */
  async warmUp(db: Queryable): Promise<void> {
    await this.refresh(db);
    for (const scope of KEY_SCOPES) if (!this.active.has(scope)) await createFirstDataKey(db, this.masterKeys, scope);
    await this.refresh(db);
  }

  /** Reads the data keys again, at once (after a rotation by another process). */
  refresh(db: Queryable): Promise<void> {
    this.loading ??= this.load(db).finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async load(db: Queryable): Promise<void> {
    const rows: { id: number; scope: KeyScope; masterKeyId: string; wrapped: Buffer; retired: boolean }[] =
      await db.query(
        `SELECT id, scope, master_key_id AS "masterKeyId", wrapped, retired_at IS NOT NULL AS retired
           FROM data_key ORDER BY id`,
      );
    const byId = new Map<number, DataKey>();
    const active = new Map<KeyScope, DataKey>();
    const unreadable = new Set<number>();
    for (const row of rows) {
      // Unwrapping is the master key holder's work (a KMS call): only keys not held yet.
      let key = this.byId.get(row.id);
      if (!key) {
        try {
          key = { id: row.id, scope: row.scope, key: await this.masterKeys.unwrap(row.masterKeyId, row.wrapped) };
        } catch {
          unreadable.add(row.id);
          continue;
        }
      }
      byId.set(row.id, key);
      if (!row.retired) active.set(row.scope, key);
    }
    this.byId = byId;
    this.active = active;
    this.unreadable = unreadable;
    this.loadedAt = Date.now();
  }

  activeKeyId(scope: KeyScope): number {
    const key = this.active.get(scope);
    if (!key) throw new Error(`no active data key for ${scope}`);
    return key.id;
  }

  /**
   * The value to store for a plaintext, under the scope's active key; a
   * scope's first write makes its first key, in the writer's transaction.
   */
  async encrypt(db: Queryable, scope: KeyScope, column: string, plaintext: string): Promise<string> {
    await this.ready(db);
    if (!this.active.has(scope)) {
      await createFirstDataKey(db, this.masterKeys, scope);
      await this.load(db);
      // Read inside a transaction that may yet roll back: the next call reads the keys again.
      this.loadedAt = 0;
    }
    const key = this.active.get(scope);
    if (!key) throw new Error(`no readable active data key for ${scope}`);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.key, iv);
    cipher.setAAD(Buffer.from(`${scope}.${column}`));
    const sealed = Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}${key.id}:${sealed.toString('base64')}`;
  }

  /**
   * The plaintext of a stored value. A value without the prefix was written
   * before its column was encrypted and is returned as it is, until
   * `npm run keys:rotate` encrypts it. Call `prepare` with a batch's values
   * first: it reads the keys, again if one is new (a rotation elsewhere).
   */
  decrypt(scope: KeyScope, column: string, stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    const colon = stored.indexOf(':', PREFIX.length);
    const keyId = Number(stored.slice(PREFIX.length, colon));
    const key = this.byId.get(keyId);
    if (!key || key.scope !== scope) {
      const why = this.unreadable.has(keyId) ? ` (data key ${keyId}: its master key is not configured)` : '';
      throw new Error(`no data key of ${scope} opens this ${column} value${why}`);
    }
    const sealed = Buffer.from(stored.slice(colon + 1), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key.key, sealed.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(`${scope}.${column}`));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  }

  /** Reads the keys again if some stored value is under a key this process does not hold yet. */
  async prepare(db: Queryable, stored: readonly (string | null)[]): Promise<void> {
    await this.ready(db);
    const unknown = stored.some((value) => {
      const keyId = value === null ? null : dataKeyIdOf(value);
      return keyId !== null && !this.byId.has(keyId);
    });
    if (unknown) await this.refresh(db);
  }
}

/** The id of the data key a stored value is under, or null for a plaintext value. */
function dataKeyIdOf(stored: string): number | null {
  return stored.startsWith(PREFIX) ? Number(stored.slice(PREFIX.length, stored.indexOf(':', PREFIX.length))) : null;
}

/** A scope's first data key, unless another writer made it first (the partial unique index lets one insert win). */
async function createFirstDataKey(db: Queryable, masterKeys: MasterKeyProvider, scope: KeyScope): Promise<void> {
  const { masterKeyId, wrapped } = await masterKeys.wrap(randomBytes(KEY_BYTES));
  await db.query(
    `INSERT INTO data_key (scope, master_key_id, wrapped) VALUES ($1, $2, $3)
     ON CONFLICT (scope) WHERE retired_at IS NULL DO NOTHING`,
    [scope, masterKeyId, wrapped],
  );
}

/** A new active data key for a scope, the old one retired (still readable) in the same transaction. */
export async function rotateActiveDataKey(
  em: EntityManager,
  masterKeys: MasterKeyProvider,
  scope: KeyScope,
): Promise<void> {
  const { masterKeyId, wrapped } = await masterKeys.wrap(randomBytes(KEY_BYTES));
  await em.transaction(async (tx) => {
    await tx.query(`UPDATE data_key SET retired_at = now() WHERE scope = $1 AND retired_at IS NULL`, [scope]);
    await tx.query(`INSERT INTO data_key (scope, master_key_id, wrapped) VALUES ($1, $2, $3)`, [
      scope,
      masterKeyId,
      wrapped,
    ]);
  });
}
