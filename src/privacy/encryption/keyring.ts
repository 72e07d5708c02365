import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { KEY_BYTES, MasterKeyProvider } from './master-keys';

/**
 * What is stored encrypted, by data-key scope (one data key per table):
 * its columns; those with a blind index beside them (`<column>_bidx`, for
 * lookups and uniqueness); and whether the row keeps `pii_digest`, a keyed
 * fingerprint of all of them that tells a bulk load whether anything
 * changed (random ciphertexts never compare equal).
 */
export const ENCRYPTION = {
  customer: { columns: ['id_number', 'phone', 'email', 'address_street'], blindIndexed: ['id_number'], digest: true },
  holding: { columns: ['account_no'], blindIndexed: ['account_no'], digest: false },
  lead: { columns: ['phone'], blindIndexed: ['phone'], digest: false },
  /** An erased customer's legally held records (identity, holdings, ratings), as one JSON document. */
  customer_erasure: { columns: ['held'], blindIndexed: [], digest: false },
} as const satisfies Record<string, { columns: readonly string[]; blindIndexed: readonly string[]; digest: boolean }>;
export type KeyScope = keyof typeof ENCRYPTION;
export const KEY_SCOPES = Object.keys(ENCRYPTION) as KeyScope[];
export const ENCRYPTED_COLUMNS: { readonly [S in KeyScope]: readonly string[] } = {
  customer: ENCRYPTION.customer.columns,
  holding: ENCRYPTION.holding.columns,
  lead: ENCRYPTION.lead.columns,
  customer_erasure: ENCRYPTION.customer_erasure.columns,
};

/** The column beside an encrypted one that holds its blind index. */
export const blindIndexColumn = (column: string) => `${column}_bidx`;
export const DIGEST_COLUMN = 'pii_digest';

/**
 * The blind-index key of a scope is a data_key row under a scope name of
 * its own: wrapped by the master key like the data keys (so MASTER_KEY is
 * all a production server needs, and `keys:rotate -- --master` re-wraps it
 * with the rest), but never retired by a data-key rotation, so index values
 * stay the same through every rotation and no index is ever rebuilt.
 */
const blindScope = (scope: KeyScope) => `blind-index:${scope}`;
const BLIND_PREFIX = 'blind-index:';

/** A row's encrypted columns in plaintext (null: no value), by column name. */
export type PlainValues = Readonly<Record<string, string | null | undefined>>;

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
  private blind = new Map<KeyScope, Buffer>();
  /** Keys whose master key is not configured: values under them fail alone, the rest of the scope still opens. */
  private unreadable = new Set<number>();
  /** Blind-index keys already unwrapped, by data_key id. */
  private blindById = new Map<number, DataKey>();
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
  ready(db: Queryable): Promise<void> {
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
    for (const scope of KEY_SCOPES) {
      if (!this.active.has(scope)) await createFirstDataKey(db, this.masterKeys, scope);
      if (!this.blind.has(scope)) await createFirstDataKey(db, this.masterKeys, blindScope(scope));
    }
    await this.refresh(db);
  }

  /** Reads the data keys again, at once (after a rotation by another process). */
  refresh(db: Queryable): Promise<void> {
    this.loading ??= this.load(db).finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async load(db: Queryable): Promise<void> {
    const rows: { id: number; scope: string; masterKeyId: string; wrapped: Buffer; retired: boolean }[] =
      await db.query(
        `SELECT id, scope, master_key_id AS "masterKeyId", wrapped, retired_at IS NOT NULL AS retired
           FROM data_key ORDER BY id`,
      );
    const byId = new Map<number, DataKey>();
    const active = new Map<KeyScope, DataKey>();
    const blind = new Map<KeyScope, Buffer>();
    const unreadable = new Set<number>();
    for (const row of rows) {
      // Unwrapping is the master key holder's work (a KMS call): only keys not held yet.
      let key = this.byId.get(row.id) ?? this.blindById.get(row.id);
      if (!key) {
        try {
          const scope = row.scope as KeyScope;
          key = { id: row.id, scope, key: await this.masterKeys.unwrap(row.masterKeyId, row.wrapped) };
        } catch {
          unreadable.add(row.id);
          continue;
        }
      }
      if (row.scope.startsWith(BLIND_PREFIX)) {
        this.blindById.set(row.id, key);
        if (!row.retired) blind.set(row.scope.slice(BLIND_PREFIX.length) as KeyScope, key.key);
        continue;
      }
      byId.set(row.id, key);
      if (!row.retired) active.set(row.scope as KeyScope, key);
    }
    this.byId = byId;
    this.active = active;
    this.blind = blind;
    this.unreadable = unreadable;
    this.loadedAt = Date.now();
  }

  activeKeyId(scope: KeyScope): number {
    const key = this.active.get(scope);
    if (!key) throw new Error(`no active data key for ${scope}`);
    return key.id;
  }

  /**
   * Makes sure the scope has an active data key and a blind-index key (a
   * scope's first write makes them, in the writer's transaction), so that
   * seal, blindIndex and sealRow can run without waiting.
   */
  async ensure(db: Queryable, scope: KeyScope): Promise<void> {
    await this.ready(db);
    if (this.active.has(scope) && this.blind.has(scope)) return;
    if (!this.active.has(scope)) await createFirstDataKey(db, this.masterKeys, scope);
    if (!this.blind.has(scope)) await createFirstDataKey(db, this.masterKeys, blindScope(scope));
    await this.load(db);
    // Read inside a transaction that may yet roll back: the next call reads the keys again.
    this.loadedAt = 0;
  }

  /** The value to store for a plaintext, under the scope's active key (making it first if there is none). */
  async encrypt(db: Queryable, scope: KeyScope, column: string, plaintext: string): Promise<string> {
    await this.ensure(db, scope);
    return this.seal(scope, column, plaintext);
  }

  /** The value to store for a plaintext, under the scope's active key (after `ensure`). */
  seal(scope: KeyScope, column: string, plaintext: string): string {
    const key = this.active.get(scope);
    if (!key) throw new Error(`no readable active data key for ${scope}`);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.key, iv);
    cipher.setAAD(Buffer.from(`${scope}.${column}`));
    const sealed = Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}${key.id}:${sealed.toString('base64')}`;
  }

  /**
   * The blind index of a value (after `ensure`): an HMAC-SHA256 under the
   * scope's blind-index key, per column, so that equal values can be found
   * and kept unique without the database ever holding the value. Without the
   * key not even a list of every possible phone number reverses one.
   */
  blindIndex(scope: KeyScope, column: string, plaintext: string): string {
    const key = this.blind.get(scope);
    if (!key) throw new Error(`no readable blind-index key for ${scope}`);
    return createHmac('sha256', key).update(`${column}\u0000${plaintext}`, 'utf8').digest('base64');
  }

  /**
   * Everything a row of the scope stores for its plaintext values (after
   * `ensure`): each given encrypted column's ciphertext (null stays null),
   * the blind indexes of those indexed, and the scope's digest when it
   * keeps one (then every encrypted column must be given). Keyed by column name.
   */
  sealRow(scope: KeyScope, plain: PlainValues): Record<string, string | null> {
    const spec = ENCRYPTION[scope];
    const stored: Record<string, string | null> = {};
    for (const column of spec.columns) {
      if (!(column in plain)) continue;
      const value = plain[column] ?? null;
      stored[column] = value === null ? null : this.seal(scope, column, value);
      if ((spec.blindIndexed as readonly string[]).includes(column)) {
        stored[blindIndexColumn(column)] = value === null ? null : this.blindIndex(scope, column, value);
      }
    }
    if (spec.digest) {
      const values = spec.columns.map((column) => {
        if (!(column in plain)) throw new Error(`${scope}: a digest needs every encrypted column, ${column} missing`);
        return plain[column] ?? null;
      });
      stored[DIGEST_COLUMN] = this.blindIndex(scope, DIGEST_COLUMN, JSON.stringify(values));
    }
    return stored;
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

  /**
   * Reads the keys if none are held yet, and again if some stored value is
   * under a key this process does not hold yet; otherwise no statement:
   * reading an encrypted value costs a request no round trip.
   */
  async prepare(db: Queryable, stored: readonly (string | null | undefined)[]): Promise<void> {
    if (!this.loadedAt && !this.byId.size) await this.refresh(db);
    const unknown = stored.some((value) => {
      const keyId = value == null ? null : dataKeyIdOf(value);
      return keyId !== null && !this.byId.has(keyId);
    });
    if (unknown) await this.refresh(db);
  }

  /**
   * Decrypts rows in place where they become API objects: `fields` maps each
   * encrypted column of the scope to the row's property holding it.
   */
  async open<T extends object>(
    db: Queryable,
    scope: KeyScope,
    rows: readonly T[],
    fields: Readonly<Record<string, keyof T>>,
  ): Promise<T[]> {
    const entries = Object.entries(fields);
    await this.prepare(
      db,
      rows.flatMap((row) => entries.map(([, field]) => row[field] as string | null)),
    );
    for (const row of rows) {
      for (const [column, field] of entries) {
        const value = row[field];
        if (typeof value === 'string') (row as Record<keyof T, unknown>)[field] = this.decrypt(scope, column, value);
      }
    }
    return rows as T[];
  }
}

/** The id of the data key a stored value is under, or null for a plaintext value. */
function dataKeyIdOf(stored: string): number | null {
  return stored.startsWith(PREFIX) ? Number(stored.slice(PREFIX.length, stored.indexOf(':', PREFIX.length))) : null;
}

/** A scope's first data key, unless another writer made it first (the partial unique index lets one insert win). */
async function createFirstDataKey(db: Queryable, masterKeys: MasterKeyProvider, scope: string): Promise<void> {
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
