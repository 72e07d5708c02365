import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign, verify } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DataSource } from 'typeorm';
import type { AuditSealerSettings } from '../../config';
import { chainHead } from './audit-sealer';

/**
 * A signed statement, kept outside PostgreSQL, of how far the chain went:
 * its head (number and hash) and the range since the previous digest, whose
 * signature it repeats, so the digests form a chain of their own. Someone
 * who can rewrite the database but does not hold the signing key cannot
 * make a rewritten chain match a digest written before.
 */
export interface AuditDigest {
  version: 1;
  /** 1, 2, ...: the file name, too. */
  sequence: number;
  /** The first chain number since the previous digest (1 for the first). */
  fromSeq: string;
  headSeq: string;
  headHash: string;
  /** The previous digest's signature; null on the first. */
  previousSignature: string | null;
  writtenAt: string;
}

export interface SignedDigest extends AuditDigest {
  /** Ed25519 over signedBytes(digest), base64. */
  signature: string;
}

/** A positional array: no key order to agree on between the writer and a verifier. */
function signedBytes(d: AuditDigest): Buffer {
  return Buffer.from(
    JSON.stringify([d.version, d.sequence, d.fromSeq, d.headSeq, d.headHash, d.previousSignature, d.writtenAt]),
    'utf8',
  );
}

export function signDigest(digest: AuditDigest, key: KeyObject): SignedDigest {
  return { ...digest, signature: sign(null, signedBytes(digest), key).toString('base64') };
}

export function digestSignatureHolds(digest: SignedDigest, key: KeyObject): boolean {
  try {
    return verify(null, signedBytes(digest), key, Buffer.from(digest.signature, 'base64'));
  } catch {
    return false;
  }
}

const FILE_NAME = /^(\d{12})\.json$/;
const fileNameOf = (sequence: number) => `${String(sequence).padStart(12, '0')}.json`;

/** A digest file as found: parsed, or why it could not be. */
export interface DigestFile {
  file: string;
  sequence: number;
  digest?: SignedDigest;
  unreadable?: string;
}

/** The digest files of `dir`, by sequence; none when the directory does not exist yet. */
export async function readDigests(dir: string): Promise<DigestFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files = names.filter((n) => FILE_NAME.test(n)).sort();
  return Promise.all(
    files.map(async (file): Promise<DigestFile> => {
      const sequence = Number(FILE_NAME.exec(file)![1]);
      try {
        return { file, sequence, digest: JSON.parse(await readFile(join(dir, file), 'utf8')) as SignedDigest };
      } catch (error) {
        return { file, sequence, unreadable: (error as Error).message };
      }
    }),
  );
}

/**
 * Writes the next digest when the chain has grown since the last one;
 * returns it, or undefined when there was nothing new. A file is created,
 * never replaced ('wx'): two instances writing the same sequence at once
 * leave the first one's, and the second tries again at its next interval.
 */
export async function writeDigest(
  ds: DataSource,
  dir: string,
  key: KeyObject,
  now: Date = new Date(),
): Promise<SignedDigest | undefined> {
  const head = await chainHead(ds);
  if (!head) return undefined;
  const last = (await readDigests(dir)).at(-1);
  if (last?.unreadable) throw new Error(`the last audit digest ${last.file} is unreadable: ${last.unreadable}`);
  const previous = last?.digest;
  if (previous && BigInt(previous.headSeq) >= BigInt(head.seq)) return undefined;
  const digest = signDigest(
    {
      version: 1,
      sequence: (last?.sequence ?? 0) + 1,
      fromSeq: previous ? (BigInt(previous.headSeq) + 1n).toString() : '1',
      headSeq: head.seq,
      headHash: head.chainHash,
      previousSignature: previous?.signature ?? null,
      writtenAt: now.toISOString(),
    },
    key,
  );
  await mkdir(dir, { recursive: true });
  try {
    await writeFile(join(dir, fileNameOf(digest.sequence)), `${JSON.stringify(digest, null, 2)}\n`, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  }
  return digest;
}

/**
 * The signing key. Outside production, with no key configured, one is
 * generated at the development path on first use (readable by its owner
 * only), like the other development defaults; `generate: false` (the
 * verifier) never makes one up.
 */
export async function loadSigningKey(
  settings: Pick<AuditSealerSettings, 'signingKeyFile' | 'generateSigningKey'>,
  { generate = settings.generateSigningKey } = {},
): Promise<KeyObject> {
  try {
    return checkedEd25519(createPrivateKey(await readFile(settings.signingKeyFile, 'utf8')), settings.signingKeyFile);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || !generate) throw error;
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  await mkdir(dirname(settings.signingKeyFile), { recursive: true });
  try {
    await writeFile(settings.signingKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
      flag: 'wx',
      mode: 0o600,
    });
    return privateKey;
  } catch (error) {
    // Another process generated it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadSigningKey(settings, { generate: false });
    throw error;
  }
}

/** The key digests are checked with: the configured public key, or the signing key's. */
export async function loadVerifyKey(
  settings: Pick<AuditSealerSettings, 'signingKeyFile' | 'generateSigningKey' | 'verifyKeyFile'>,
): Promise<KeyObject> {
  if (settings.verifyKeyFile) {
    return checkedEd25519(createPublicKey(await readFile(settings.verifyKeyFile, 'utf8')), settings.verifyKeyFile);
  }
  return createPublicKey(await loadSigningKey(settings, { generate: false }));
}

function checkedEd25519(key: KeyObject, file: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(`${file} holds a ${key.asymmetricKeyType ?? key.type} key; audit digests need Ed25519`);
  }
  return key;
}
