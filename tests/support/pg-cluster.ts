import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

/**
 * Real PostgreSQL servers of a test's own, from Debian's binaries, run as
 * the `postgres` OS user (PostgreSQL refuses root) with their data under a
 * temporary folder that `stop()` removes. The machine's own server (5432) is
 * neither copied nor touched: it holds the benchmark databases (gigabytes),
 * which a base backup per test run would copy, and a private primary can be
 * configured (fsync off, a paused standby) without disturbing other tests.
 */
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const PG_AUTOCTL = process.env.PG_AUTOCTL ?? '/usr/bin/pg_autoctl';
const run = promisify(execFile);

/** What is missing on this machine for servers of our own (empty: nothing); `.ci/run` installs it. */
export function missingPrerequisites({ autoFailover = false } = {}): string[] {
  const missing = ['initdb', 'pg_ctl', 'pg_basebackup']
    .map((tool) => path.join(PG_BIN, tool))
    .filter((file) => !fs.existsSync(file));
  if (autoFailover && !fs.existsSync(PG_AUTOCTL))
    missing.push(`${PG_AUTOCTL} (apt-get install postgresql-15-auto-failover)`);
  if (!fs.existsSync('/usr/sbin/runuser') && !fs.existsSync('/sbin/runuser')) missing.push('runuser');
  return missing;
}

/**
 * `describe`, or, when a prerequisite is missing, a test that fails under CI
 * (which must have it) and a skip with a warning elsewhere.
 */
export function describeWithServers(name: string, options: { autoFailover?: boolean }, body: () => void): void {
  const missing = missingPrerequisites(options);
  if (missing.length === 0) return describe(name, body);
  describe(name, () => {
    if (process.env.CI === 'true') {
      it(`needs ${missing.join(', ')} under CI`, () => {
        throw new Error(`missing: ${missing.join(', ')} (.ci/run installs them)`);
      });
    } else {
      console.warn(`Skipping "${name}": missing ${missing.join(', ')}`);
      it.skip(name, () => undefined);
    }
  });
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A folder of our own under the system's temporary one, owned by `postgres`. */
export async function serverFolder(prefix: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `c360-${prefix}-`));
  await run('chown', ['postgres:postgres', dir]);
  return dir;
}

/** A command as the `postgres` user; rejects with its output when it fails. */
export async function asPostgres(command: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const envArgs = Object.entries(env).map(([key, value]) => `${key}=${value}`);
  try {
    const { stdout, stderr } = await run('runuser', ['-u', 'postgres', '--', 'env', ...envArgs, command, ...args], {
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout + stderr;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${path.basename(command)} ${args.join(' ')} failed:\n${stdout}${stderr}`.slice(0, 8000));
  }
}

/** A long-running command as `postgres`, in its own process group so that it and its children can be stopped. */
export function spawnAsPostgres(
  command: string,
  args: string[],
  env: Record<string, string>,
  log: string,
): ChildProcess {
  const envArgs = Object.entries(env).map(([key, value]) => `${key}=${value}`);
  const out = fs.openSync(log, 'a');
  const child = spawn('runuser', ['-u', 'postgres', '--', 'env', ...envArgs, command, ...args], {
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  child.unref();
  return child;
}

export async function query<T = Record<string, unknown>>(url: string, sql: string, values: unknown[] = []) {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(sql, values)).rows as T[];
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Polls until `check` holds (errors count as not yet), or fails after `timeoutMs` naming `what`. */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 60_000, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

const urlOf = (port: number, database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;

/** Settings for throwaway servers: no fsync (nothing here must survive the machine), loopback and our socket folder. */
const serverOptions = (port: number, socketDir: string) =>
  `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${socketDir} -c fsync=off -c full_page_writes=off`;

export interface StreamingPair {
  primaryPort: number;
  standbyPort: number;
  primaryUrl(database: string): string;
  standbyUrl(database: string): string;
  /** Stops applying WAL on the standby: it keeps answering, with what it had (replication lag made to order). */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Waits until the standby has applied everything the primary had written when this was called. */
  caughtUp(): Promise<void>;
  stopPrimary(): Promise<void>;
  startPrimary(): Promise<void>;
  stopStandby(): Promise<void>;
  startStandby(): Promise<void>;
  /** Stops both servers and removes their folder; safe to call after a failed start and twice. */
  stop(): Promise<void>;
}

/**
 * A primary made with initdb and a hot standby made from it with
 * pg_basebackup (`-R`: it streams from the primary), each on a free port.
 */
export async function startStreamingPair(): Promise<StreamingPair> {
  const dir = await serverFolder('replica');
  const primaryDir = path.join(dir, 'primary');
  const standbyDir = path.join(dir, 'standby');
  const [primaryPort, standbyPort] = [await freePort(), await freePort()];
  const ctl = (dataDir: string, port: number, action: 'start' | 'stop') =>
    asPostgres(
      path.join(PG_BIN, 'pg_ctl'),
      action === 'start'
        ? ['-D', dataDir, '-w', '-t', '60', '-l', `${dataDir}.log`, '-o', serverOptions(port, dir), 'start']
        : ['-D', dataDir, '-w', '-m', 'fast', 'stop'],
    );
  const stopIfRunning = async (dataDir: string) => {
    if (fs.existsSync(path.join(dataDir, 'postmaster.pid'))) await ctl(dataDir, 0, 'stop').catch(() => undefined);
  };
  const pair: StreamingPair = {
    primaryPort,
    standbyPort,
    primaryUrl: (database) => urlOf(primaryPort, database),
    standbyUrl: (database) => urlOf(standbyPort, database),
    pauseReplay: async () => void (await query(urlOf(standbyPort, 'postgres'), 'SELECT pg_wal_replay_pause()')),
    resumeReplay: async () => void (await query(urlOf(standbyPort, 'postgres'), 'SELECT pg_wal_replay_resume()')),
    async caughtUp() {
      const [{ lsn }] = await query<{ lsn: string }>(
        urlOf(primaryPort, 'postgres'),
        'SELECT pg_current_wal_lsn() AS lsn',
      );
      await waitUntil('the standby to replay the primary’s WAL', async () => {
        const [{ behind }] = await query<{ behind: boolean }>(
          urlOf(standbyPort, 'postgres'),
          'SELECT pg_last_wal_replay_lsn() < $1::pg_lsn AS behind',
          [lsn],
        );
        return !behind;
      });
    },
    stopPrimary: async () => void (await ctl(primaryDir, primaryPort, 'stop')),
    startPrimary: async () => void (await ctl(primaryDir, primaryPort, 'start')),
    stopStandby: async () => void (await ctl(standbyDir, standbyPort, 'stop')),
    startStandby: async () => void (await ctl(standbyDir, standbyPort, 'start')),
    async stop() {
      await Promise.all([stopIfRunning(standbyDir), stopIfRunning(primaryDir)]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    // initdb's pg_hba.conf trusts loopback, replication included, when --auth=trust.
    await asPostgres(path.join(PG_BIN, 'initdb'), ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '--no-sync']);
    await pair.startPrimary();
    await asPostgres(path.join(PG_BIN, 'pg_basebackup'), [
      ...['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres'],
      ...['-D', standbyDir, '-R', '-X', 'stream', '--checkpoint=fast', '--no-sync'],
    ]);
    await pair.startStandby();
    return pair;
  } catch (error) {
    await pair.stop();
    throw error;
  }
}
