import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { signToken } from '../../src/auth/token-issuer';
import { DEVELOPMENT_JWT_SECRET } from '../../src/config';
import { staffId } from '../support/staff-ids';

/**
 * `npm start` with no DATABASE_URL: the real entry point, as its own process,
 * on an in-memory embedded PostgreSQL with a small demo set.
 */
describe('the server on the embedded database', () => {
  let server: ChildProcess;
  let url: string;

  beforeAll(async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'development',
      PORT: '0',
      EMBEDDED_DB_DIR: 'memory',
      DEMO_CUSTOMERS: '150',
      LOG_LEVEL: 'info',
    };
    delete env.DATABASE_URL;
    server = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, '../../src/main.ts')], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    url = await new Promise<string>((resolve, reject) => {
      server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
      createInterface({ input: server.stdout! }).on('line', (line) => {
        const entry = JSON.parse(line) as { url?: string };
        if (entry.url) resolve(entry.url);
      });
    });
  }, 120_000);

  afterAll(async () => {
    if (server.exitCode === null) {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
  });

  it('serves demo customers with their 360° view', async () => {
    const token = await signToken({ sub: staffId('smoke'), roles: ['CALL_CENTER_AGENT'] }, DEVELOPMENT_JWT_SECRET);
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: `{ customers(first: 3) { totalCount edges { node { customerNo name tier branch { name } holdings(first: 2) { totalCount } tags { tag { code } } } } } }`,
      }),
    });
    const body = (await res.json()) as any;
    expect(body.errors).toBeUndefined();
    expect(body.data.customers.totalCount).toBe(150);
    expect(body.data.customers.edges).toHaveLength(3);
    expect(body.data.customers.edges[0].node.branch.name).toEqual(expect.any(String));
  });

  it('reports ready, and stops cleanly on SIGTERM', async () => {
    const ready = await fetch(url.replace('/graphql', '/readyz'));
    expect(ready.status).toBe(200);
    server.kill('SIGTERM');
    const [code] = await once(server, 'exit');
    expect(code).toBe(0);
  });
});
