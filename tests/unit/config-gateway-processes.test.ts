import { loadConfig } from '../../src/config';

const DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/c360';
const PRODUCTION = {
  NODE_ENV: 'production',
  DATABASE_URL,
  JWT_SECRET: 'a-production-secret-of-at-least-32-characters',
  MASTER_KEY: Buffer.alloc(32, 1).toString('base64'),
  AUDIT_HASH_KEY: 'a-production-audit-hash-key-of-32-characters',
  AUDIT_SIGNING_KEY_FILE: '/run/secrets/audit.pem',
};

describe('GATEWAY_PROCESSES', () => {
  it('is 1 (no cluster) unless set', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).processes).toBe(1);
    expect(loadConfig({ NODE_ENV: 'test', DATABASE_URL, GATEWAY_PROCESSES: '4' }).processes).toBe(4);
  });

  it.each(['0', '-1', '1.5', 'two', '65'])('refuses %p, naming the setting', (value) => {
    expect(() => loadConfig({ NODE_ENV: 'test', DATABASE_URL, GATEWAY_PROCESSES: value })).toThrow(/GATEWAY_PROCESSES/);
  });

  it('above 1 needs a PostgreSQL server: the embedded database is one process', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', GATEWAY_PROCESSES: '2' })).toThrow(
      /GATEWAY_PROCESSES: must be 1 with the embedded database/,
    );
    expect(loadConfig({ NODE_ENV: 'test', GATEWAY_PROCESSES: '1' }).processes).toBe(1);
  });

  it('above 1 in production needs REDIS_URL, so that rate limits are one budget across the workers', () => {
    expect(() => loadConfig({ ...PRODUCTION, GATEWAY_PROCESSES: '2' })).toThrow(
      /GATEWAY_PROCESSES: above 1 needs REDIS_URL/,
    );
    expect(loadConfig({ ...PRODUCTION, GATEWAY_PROCESSES: '2', REDIS_URL: 'redis://127.0.0.1:6379' }).processes).toBe(
      2,
    );
    expect(loadConfig({ ...PRODUCTION }).processes).toBe(1);
    // Outside production each worker keeps its own counts, and says so at start.
    expect(loadConfig({ NODE_ENV: 'development', DATABASE_URL, GATEWAY_PROCESSES: '2' }).processes).toBe(2);
  });
});
