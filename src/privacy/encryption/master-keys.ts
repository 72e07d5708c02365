import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Where data keys are wrapped and unwrapped: the only holder of the master
 * key. A bank's HSM or KMS implements the same two calls (wrapping happens
 * inside it, the master key never leaves); the local provider below holds
 * the keys in memory, from configuration or, for development, a file.
 */
export interface MasterKeyProvider {
  /** The key new and re-wrapped data keys are wrapped under. */
  readonly currentId: string;
  wrap(dataKey: Buffer): Promise<{ masterKeyId: string; wrapped: Buffer }>;
  unwrap(masterKeyId: string, wrapped: Buffer): Promise<Buffer>;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

/** AES-256-GCM under master keys held in memory: the current one, and retired ones still needed to unwrap. */
export class LocalMasterKeys implements MasterKeyProvider {
  constructor(
    readonly currentId: string,
    private readonly keys: ReadonlyMap<string, Buffer>,
  ) {
    if (!keys.has(currentId)) throw new Error(`master key ${currentId} is not among the configured keys`);
    for (const [id, key] of keys) {
      if (key.length !== KEY_BYTES) throw new Error(`master key ${id} must be ${KEY_BYTES} bytes`);
    }
  }

  async wrap(dataKey: Buffer) {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId)!, iv);
    cipher.setAAD(Buffer.from(`data-key:${this.currentId}`));
    const wrapped = Buffer.concat([iv, cipher.update(dataKey), cipher.final(), cipher.getAuthTag()]);
    return { masterKeyId: this.currentId, wrapped };
  }

  async unwrap(masterKeyId: string, wrapped: Buffer) {
    const key = this.keys.get(masterKeyId);
    if (!key) throw new Error(`master key ${masterKeyId} is not configured: data keys wrapped under it cannot be read`);
    const decipher = createDecipheriv('aes-256-gcm', key, wrapped.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(`data-key:${masterKeyId}`));
    decipher.setAuthTag(wrapped.subarray(wrapped.length - TAG_BYTES));
    return Buffer.concat([decipher.update(wrapped.subarray(IV_BYTES, wrapped.length - TAG_BYTES)), decipher.final()]);
  }
}

/** What configuration says about master keys (config.ts `encryption`). */
export interface MasterKeySettings {
  /** Base64 of 32 bytes, and its id; unset outside production means the local key file. */
  masterKey?: { id: string; key: string };
  /** Retired master keys (id and base64), still needed until `npm run keys:rotate -- --master` has re-wrapped. */
  retiredKeys: { id: string; key: string }[];
  keyFile: string;
}

/**
 * The configured master keys, or (no MASTER_KEY: development and the
 * embedded default only, config.ts refuses it in production) a local key
 * file, generated on first use beside the embedded database, readable by
 * its owner only. Two processes starting at once agree on one file: the
 * loser of the exclusive create reads the winner's.
 */
export function localMasterKeys(settings: MasterKeySettings): LocalMasterKeys {
  const keys = new Map(settings.retiredKeys.map(({ id, key }) => [id, Buffer.from(key, 'base64')]));
  if (settings.masterKey) {
    keys.set(settings.masterKey.id, Buffer.from(settings.masterKey.key, 'base64'));
    return new LocalMasterKeys(settings.masterKey.id, keys);
  }
  const file = readOrCreateKeyFile(settings.keyFile);
  for (const [id, key] of Object.entries(file.keys)) keys.set(id, Buffer.from(key, 'base64'));
  return new LocalMasterKeys(file.current, keys);
}

interface KeyFile {
  current: string;
  keys: Record<string, string>;
}

function readOrCreateKeyFile(path: string): KeyFile {
  const fresh: KeyFile = { current: `local-${randomBytes(4).toString('hex')}`, keys: {} };
  fresh.keys[fresh.current] = randomBytes(KEY_BYTES).toString('base64');
  mkdirSync(dirname(path), { recursive: true });
  // Written whole under a name of its own, then linked into place: a reader never sees half a file.
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, JSON.stringify(fresh, null, 2), { mode: 0o600 });
  try {
    linkSync(draft, path);
    return fresh;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return JSON.parse(readFileSync(path, 'utf8')) as KeyFile;
  } finally {
    unlinkSync(draft);
  }
}
