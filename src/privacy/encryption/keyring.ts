import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { KEY_BYTES, MasterKeyProvider } from './master-keys';

/** What is stored encrypted, by data-key scope (one data key per table) and column. */
export const ENCRYPTED_COLUMNS = {
  lead: ['phone'],
} as const;
export type KeyScope = keyof typeof ENCRYPTED_COLUMNS;
export const KEY_SCOPES = Object.keys(ENCRYPTED_COLUMNS) as KeyScope[];

/** `enc1:<data key id>:<base64 of iv | ciphertext | tag>`: a stored value says which key opens it. */
const PREFIX = 'enc1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

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
  private loadedAt = 0;
  private loading?: Promise<void>;

  constructor(
    private readonly ds: DataSource,
    private readonly masterKeys: MasterKeyProvider,
    /** How stale the active keys may get before a write reads them again: a rotation elsewhere shows within this. */
    private readonly refreshMs = 60_000,
  ) {}

  /**
   * Reads the data keys (creating a scope's first one), once and then again
   * when stale. Lazy, not at start: a server that starts while the database
   * is down comes up and reports not ready, and a failed read is retried by
   * the next request that needs a key.
   */
  private ready(): Promise<void> {
    if (this.loadedAt && Date.now() - this.loadedAt < this.refreshMs) return Promise.resolve();
    return this.refresh();
  }

  /** Reads the data keys again, at once (after a rotation by another process). */
  refresh(): Promise<void> {
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async load(): Promise<void> {
    for (const scope of KEY_SCOPES) {
      if (!this.active.has(scope)) await createDataKey(this.ds.manager, this.masterKeys, scope, { onlyIfNone: true });
    }
    const rows: { id: number; scope: KeyScope; masterKeyId: string; wrapped: Buffer; retired: boolean }[] =
      await this.ds.query(
        `SELECT id, scope, master_key_id AS "masterKeyId", wrapped, retired_at IS NOT NULL AS retired
           FROM data_key ORDER BY id`,
      );
    const byId = new Map<number, DataKey>();
    const active = new Map<KeyScope, DataKey>();
    for (const row of rows) {
      // Unwrapping is the master key holder's work (a KMS call): only keys not held yet.
      const held = this.byId.get(row.id);
      const key = held ?? {
        id: row.id,
        scope: row.scope,
        key: await this.masterKeys.unwrap(row.masterKeyId, row.wrapped),
      };
      byId.set(row.id, key);
      if (!row.retired) active.set(row.scope, key);
    }
    this.byId = byId;
    this.active = active;
    this.loadedAt = Date.now();
  }

  activeKeyId(scope: KeyScope): number {
    const key = this.active.get(scope);
    if (!key) throw new Error(`no active data key for ${scope}`);
    return key.id;
  }

  /** The value to store for a plaintext, under the scope's active key. */
  async encrypt(scope: KeyScope, column: string, plaintext: string): Promise<string> {
    await this.ready();
    const key = this.active.get(scope);
    if (!key) throw new Error(`no active data key for ${scope}`);
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
    const key = this.byId.get(Number(stored.slice(PREFIX.length, colon)));
    if (!key || key.scope !== scope) throw new Error(`no data key of ${scope} opens this ${column} value`);
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
  async prepare(stored: readonly (string | null)[]): Promise<void> {
    await this.ready();
    const unknown = stored.some((value) => {
      const keyId = value === null ? null : dataKeyIdOf(value);
      return keyId !== null && !this.byId.has(keyId);
    });
    if (unknown) await this.refresh();
  }
}

/** The id of the data key a stored value is under, or null for a plaintext value. */
function dataKeyIdOf(stored: string): number | null {
  return stored.startsWith(PREFIX) ? Number(stored.slice(PREFIX.length, stored.indexOf(':', PREFIX.length))) : null;
}

/**
 * A new data key for a scope, wrapped under the current master key; with
 * `onlyIfNone`, only when the scope has no active key (two instances
 * starting at once create one: the partial unique index lets one insert win).
 * Otherwise the scope's active key is retired in the same transaction.
 */
export async function createDataKey(
  em: EntityManager,
  masterKeys: MasterKeyProvider,
  scope: KeyScope,
  { onlyIfNone }: { onlyIfNone: boolean },
): Promise<void> {
  const { masterKeyId, wrapped } = await masterKeys.wrap(randomBytes(KEY_BYTES));
  if (onlyIfNone) {
    await em.query(
      `INSERT INTO data_key (scope, master_key_id, wrapped) VALUES ($1, $2, $3)
       ON CONFLICT (scope) WHERE retired_at IS NULL DO NOTHING`,
      [scope, masterKeyId, wrapped],
    );
    return;
  }
  await em.transaction(async (tx) => {
    await tx.query(`UPDATE data_key SET retired_at = now() WHERE scope = $1 AND retired_at IS NULL`, [scope]);
    await tx.query(`INSERT INTO data_key (scope, master_key_id, wrapped) VALUES ($1, $2, $3)`, [
      scope,
      masterKeyId,
      wrapped,
    ]);
  });
}
