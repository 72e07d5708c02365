import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSigningKey, loadVerifyKey, signDigest, digestSignatureHolds } from '../../src/modules/audit/audit-digest';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'c360-signing-key-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const digest = {
  version: 1 as const,
  sequence: 1,
  fromSeq: '1',
  headSeq: '3',
  headHash: 'a'.repeat(64),
  previousSignature: null,
  writtenAt: '2026-12-01T00:00:00.000Z',
};

describe('the audit signing key', () => {
  it('is generated once, readable by its owner only, when the development default allows it', async () => {
    const settings = { signingKeyFile: join(dir, 'nested', 'key.pem'), generateSigningKey: true };
    const made = await loadSigningKey(settings);
    expect((await stat(settings.signingKeyFile)).mode & 0o777).toBe(0o600);
    const again = await loadSigningKey(settings);
    expect(again.export({ type: 'pkcs8', format: 'pem' })).toBe(made.export({ type: 'pkcs8', format: 'pem' }));
    const verifyKey = await loadVerifyKey({ ...settings, verifyKeyFile: undefined });
    expect(digestSignatureHolds(signDigest(digest, made), verifyKey)).toBe(true);
  });

  it('is never made up when a configured one is missing, and must be Ed25519', async () => {
    await expect(
      loadSigningKey({ signingKeyFile: join(dir, 'missing.pem'), generateSigningKey: false }),
    ).rejects.toThrow(/ENOENT/);
    const rsa = join(dir, 'rsa.pem');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(rsa, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await expect(loadSigningKey({ signingKeyFile: rsa, generateSigningKey: false })).rejects.toThrow(
      /audit digests need Ed25519/,
    );
  });

  it('signs every field of a digest: changing one breaks the signature', async () => {
    const key = await loadSigningKey({ signingKeyFile: join(dir, 'key.pem'), generateSigningKey: true });
    const signed = signDigest(digest, key);
    for (const change of [
      { headSeq: '4' },
      { headHash: 'b'.repeat(64) },
      { fromSeq: '2' },
      { previousSignature: 'x' },
    ]) {
      expect(digestSignatureHolds({ ...signed, ...change }, key)).toBe(false);
    }
  });
});
