import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/db/data-source';
import { createTestDatabase } from './test-database';

/** An audit log of its own: a database, a digest directory and a signing key pair (its public key on disk). */
export interface AuditLogFixture {
  ds: DataSource;
  url: string;
  /** Where digests are written (created on first write). */
  dir: string;
  key: { privateKey: KeyObject; publicKey: KeyObject };
  publicKeyFile: string;
}

/**
 * Tampering breaks a database's chain for good, so each test that tampers
 * takes a log of its own. `cleanups` is the test file's list, emptied after
 * each test (it drops the database and removes the directory).
 */
export async function freshAuditLog(cleanups: (() => Promise<void>)[]): Promise<AuditLogFixture> {
  const db = await createTestDatabase();
  const ds = createDataSource(db.url, { poolSize: 3 });
  await ds.initialize();
  const root = await mkdtemp(join(tmpdir(), 'c360-audit-log-'));
  const key = generateKeyPairSync('ed25519');
  const publicKeyFile = join(root, 'public.pem');
  await writeFile(publicKeyFile, key.publicKey.export({ type: 'spki', format: 'pem' }));
  cleanups.push(async () => {
    await ds.destroy();
    await db.drop();
    await rm(root, { recursive: true, force: true });
  });
  return { ds, url: db.url, dir: join(root, 'digests'), key, publicKeyFile };
}
