import { generateKeyPairSync } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real Ed25519 key file for configurations with NODE_ENV=production,
 * which refuse to start without one; one per test process, made on first use.
 */
export function auditSigningKeyFile(): string {
  const file = join(tmpdir(), `c360-test-audit-signing-key-${process.pid}.pem`);
  if (!existsSync(file)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  return file;
}
