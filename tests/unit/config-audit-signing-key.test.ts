import { DEVELOPMENT_AUDIT_SIGNING_KEY_FILE, loadConfig } from '../../src/config';

const production = {
  NODE_ENV: 'production',
  JWT_SECRET: 'p'.repeat(40),
  AUDIT_HASH_KEY: 'a'.repeat(40),
  MASTER_KEY: 'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=',
};

describe('AUDIT_SIGNING_KEY_FILE', () => {
  it('is required in production, and never generated there', () => {
    expect(() => loadConfig(production)).toThrow(/AUDIT_SIGNING_KEY_FILE: must name an Ed25519 private key/);
    expect(loadConfig({ ...production, AUDIT_SIGNING_KEY_FILE: '/keys/audit.pem' }).audit.sealer).toMatchObject({
      signingKeyFile: '/keys/audit.pem',
      generateSigningKey: false,
    });
  });

  it('falls back to a key generated at the development path elsewhere', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).audit.sealer).toMatchObject({
      signingKeyFile: DEVELOPMENT_AUDIT_SIGNING_KEY_FILE,
      generateSigningKey: true,
    });
  });
});
