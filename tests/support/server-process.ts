import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { readyUrl } from './ready-url';

const ROOT = path.join(__dirname, '../..');

export interface ServerProcess {
  child: ChildProcess;
  /** The GraphQL endpoint from the server's ready line. */
  url: string;
  /** Everything the process has printed so far, stdout and stderr. */
  output(): string;
  /** The exit code once the process has ended. */
  exited: Promise<number | null>;
}

/**
 * Starts the gateway (`src/main.ts`) as a process of its own, as `npm start`
 * would, with `env` over a minimal environment (no demo data, any free
 * port, this test run's executor), and resolves once it is ready. A server
 * that never gets ready is killed and the failure carries what it printed.
 */
export async function startServerProcess(env: Record<string, string>, readyTimeoutMs?: number): Promise<ServerProcess> {
  let output = '';
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'development',
      PORT: '0',
      DEMO_DATA: 'false',
      // `npm test` runs the integration tests on each executor.
      ...(process.env.GRAPHQL_EXECUTOR ? { GRAPHQL_EXECUTOR: process.env.GRAPHQL_EXECUTOR } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const url = await readyUrl(child, () => output, readyTimeoutMs);
    return { child, url, output: () => output, exited };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}
