import { DEVELOPMENT_AUDIT_HASH_KEY, loadConfig } from '../../src/config';
import { auditSigningKeyFile } from '../support/audit-signing-key';

const production = {
  NODE_ENV: 'production',
  JWT_SECRET: 'p'.repeat(40),
  MASTER_KEY: 'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=',
  AUDIT_SIGNING_KEY_FILE: auditSigningKeyFile(),
};

describe('AUDIT_HASH_KEY', () => {
  it('is required, with 32 or more characters, in production', () => {
    expect(() => loadConfig(production)).toThrow(/AUDIT_HASH_KEY: must be set to at least 32 characters/);
    expect(() => loadConfig({ ...production, AUDIT_HASH_KEY: 'k'.repeat(31) })).toThrow(/AUDIT_HASH_KEY/);
    expect(loadConfig({ ...production, AUDIT_HASH_KEY: 'k'.repeat(32) }).audit.hashKey).toBe('k'.repeat(32));
  });

  it('falls back to the public development key elsewhere', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).audit.hashKey).toBe(DEVELOPMENT_AUDIT_HASH_KEY);
  });
});
