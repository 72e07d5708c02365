import { randomUUID } from 'node:crypto';
import { Role, Scope } from '../src/auth/roles';
import { signToken } from '../src/auth/token-issuer';
import { loadConfig } from '../src/config';
import { createDataSource } from '../src/db/data-source';
import { startApp } from '../src/server/app';
import { countStatements, withoutTransactionControl } from '../tests/support/sql-counter';
import type { Samples } from './run';
import {
  BENCH_ANALYST_ID,
  BENCH_AUDIT_HASH_KEY,
  BENCH_MASTER_KEY,
  benchAuditSigningKeyFile,
  W1_CUSTOMER_360,
  W2_SEGMENT_PAGE,
  W3_RECORD_INTERACTION,
} from './workloads';

/**
 * SQL statements per request of each workload, counted at the driver on an
 * in-process gateway (the same code as the measured one, which runs in its
 * own process where nothing can count for it).
 */
export async function countGatewayStatements(databaseUrl: string, samples: Samples, secret: string) {
  const config = loadConfig({
    NODE_ENV: 'production',
    MASTER_KEY: BENCH_MASTER_KEY,
    PORT: '0',
    DATABASE_URL: databaseUrl,
    JWT_SECRET: secret,
    AUDIT_HASH_KEY: BENCH_AUDIT_HASH_KEY,
    AUDIT_SIGNING_KEY_FILE: benchAuditSigningKeyFile(),
    LOG_LEVEL: 'silent',
    SHUTDOWN_DELAY_MS: '0',
  });
  const ds = createDataSource(databaseUrl, { poolSize: 2 });
  await ds.initialize();
  const app = await startApp(config, ds);
  const send = async (token: string, body: object, headers: Record<string, string>) => {
    const res = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as { errors?: unknown };
    if (json.errors) throw new Error(`statement count: ${JSON.stringify(json.errors)}`);
  };
  // Counted on the second request: the first also fills the process-wide reference cache, as a server does once.
  const ask = async (
    claims: { sub: string; roles: string[]; scopes?: string[] },
    body: object,
    headers: () => Record<string, string> = () => ({}),
  ) => {
    const token = await signToken(claims, secret, { expiresIn: '5m' });
    await send(token, body, headers());
    const counter = countStatements();
    try {
      await send(token, body, headers());
      return withoutTransactionControl(counter.statements).length;
    } finally {
      counter.restore();
    }
  };
  try {
    return {
      'W1 gateway': await ask(
        { sub: samples.rmId, roles: [Role.RELATIONSHIP_MANAGER] },
        { query: W1_CUSTOMER_360, variables: { id: samples.w1Ids[0] } },
      ),
      'W2 gateway': await ask(
        { sub: BENCH_ANALYST_ID, roles: [Role.MARKETING_ANALYST] },
        { query: W2_SEGMENT_PAGE, variables: samples.w2 },
      ),
      'W3 gateway': await ask(
        { sub: 'bench-partner', roles: [Role.PARTNER], scopes: [Scope.INTERACTIONS_WRITE] },
        {
          query: W3_RECORD_INTERACTION,
          variables: {
            input: {
              customerNo: samples.partnerCustomerNos[0],
              channel: 'PARTNER',
              type: 'INQUIRY',
              occurredAt: new Date().toISOString(),
              summary: 'bench',
            },
          },
        },
        () => ({ 'idempotency-key': randomUUID() }),
      ),
    };
  } finally {
    await app.stop();
    await ds.destroy();
  }
}
