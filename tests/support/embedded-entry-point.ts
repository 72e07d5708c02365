import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface EntryPoint {
  url: string;
  process: ChildProcess;
  /** The log lines at level error or above (pino's 50, 60) so far, as printed. */
  errorLines: string[];
  stop(): Promise<void>;
}

/**
 * `npm start` as a fresh clone runs it: the real entry point as its own
 * process, with no DATABASE_URL (an in-memory embedded PostgreSQL with a small
 * demo set) and none of the settings a developer's shell may carry. Resolves
 * with the URL of its ready line.
 */
export async function startEmbeddedEntryPoint(env: Record<string, string> = {}): Promise<EntryPoint> {
  const inherited = freshCloneEnv();
  const server = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, '../../src/main.ts')], {
    env: {
      ...inherited,
      NODE_ENV: 'development',
      PORT: '0',
      EMBEDDED_DB_DIR: 'memory',
      DEMO_CUSTOMERS: '150',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const errorLines: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    createInterface({ input: server.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { url?: string; level?: number };
        if ((entry.level ?? 0) >= 50) errorLines.push(line);
        if (entry.url) resolve(entry.url);
      } catch {
        // not a JSON log line
      }
    });
  });
  return {
    url,
    process: server,
    errorLines,
    async stop() {
      if (server.exitCode !== null) return;
      server.kill('SIGTERM');
      await once(server, 'exit');
    },
  };
}

/** This process's environment without the settings a fresh clone does not have (database, secrets, tuning). */
export function freshCloneEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development' };
  for (const name of [
    'DATABASE_URL',
    'DB_POOL_SIZE',
    'DB_PREPARED_STATEMENTS',
    'JWT_SECRET',
    'JWT_JWKS_URL',
    'JWT_ISSUER',
    'JWT_AUDIENCE',
  ]) {
    delete env[name];
  }
  return env;
}
