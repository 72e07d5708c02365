import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { signToken } from '../../src/auth/token-issuer';
import { createTestDatabase } from '../support/test-database';
import { readyUrl as waitForReadyUrl } from '../support/ready-url';
import { staffId } from '../support/staff-ids';

/**
 * How the real process starts, fails to start and stops: `src/main.ts` (or
 * `npm start`) in processes of their own, each in its own process group so
 * that every process a test starts is killed afterwards, whatever happened.
 */
const ROOT = path.join(__dirname, '../..');
const SECRET = 'process-lifecycle-secret-of-at-least-32-characters';
const ENTRY = ['-r', '@swc-node/register', 'src/main.ts'];

let db: Awaited<ReturnType<typeof createTestDatabase>>;
/** Set in the environment of the servers a test starts on a terminal, to find them outside their process group. */
const marker = `lifecycle-${process.pid}-${Date.now()}`;

/** Node processes whose environment carries the marker. */
function processesMarked(value: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      const command = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (command === 'node' && environ.includes(`C360_TEST_MARKER=${value}`)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
let scratch: string;
const started: ChildProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  scratch = mkdtempSync(path.join(tmpdir(), 'c360-lifecycle-'));
});

afterEach(() => {
  for (const child of started.splice(0)) killGroup(child);
  // A server on a terminal lives in the terminal's session, which killing `script`'s group does not reach.
  for (const stray of processesMarked(marker)) process.kill(stray, 'SIGKILL');
});

afterAll(async () => {
  await db.drop();
  rmSync(scratch, { recursive: true, force: true });
});

function killGroup(child: ChildProcess) {
  // A paused pipe is never read to its end: let go of it, or jest waits for it.
  child.stdout?.destroy();
  child.stderr?.destroy();
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
}

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start(command: string, args: string[], env: Record<string, string>, readOutput = true): Started {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH!,
      HOME: process.env.HOME ?? '/root',
      NODE_ENV: 'development',
      PORT: '0',
      LOG_LEVEL: 'info',
      DEMO_DATA: 'false',
      JWT_SECRET: SECRET,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  started.push(child);
  let output = '';
  if (readOutput) child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** The URL of the ready line, from JSON logs or from the words of readable ones. */
function readyUrl(server: Started, timeoutMs?: number): Promise<string> {
  return waitForReadyUrl(server.child, server.output, timeoutMs);
}

/** The JSON log line of a failed start. */
function fatal(server: Started): { msg: string; reason?: string } {
  const line = server
    .output()
    .split('\n')
    .find((entry) => entry.startsWith('{') && JSON.parse(entry).level === 60);
  if (!line) throw new Error(`no fatal line:\n${server.output()}`);
  return JSON.parse(line);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves to the exit code, or to 'still running' after the bound. */
async function exitWithin(server: Started, ms: number): Promise<number | null | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'still running'>((resolve) => (timer = setTimeout(() => resolve('still running'), ms)));
  try {
    return await Promise.race([server.exited, bound]);
  } finally {
    clearTimeout(timer);
  }
}

async function closedWithin(url: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      await fetch(url.replace('/graphql', '/healthz'), { signal: AbortSignal.timeout(1_000) });
    } catch {
      return true;
    }
    await sleep(200);
  }
  return false;
}

describe('a start that fails says why', () => {
  it('a second server on the same embedded directory exits 1 and names the directory', async () => {
    const dir = path.join(scratch, 'shared-db');
    const first = start(process.execPath, ENTRY, { EMBEDDED_DB_DIR: dir });
    await readyUrl(first, 90_000);

    const second = start(process.execPath, ENTRY, { EMBEDDED_DB_DIR: dir });
    expect(await exitWithin(second, 30_000)).toBe(1);
    expect(fatal(second).msg).toContain(`The embedded database in ${dir} is in use by process ${first.child.pid}`);
    // The first one is untouched.
    expect(first.child.exitCode).toBeNull();
  }, 120_000);

  it('a port already in use: exits 1 and prints the system error', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as { port: number }).port;
      const server = start(process.execPath, ENTRY, { DATABASE_URL: db.url, PORT: String(port) });
      expect(await exitWithin(server, 50_000)).toBe(1);
      expect(fatal(server).msg).toContain(`address already in use 127.0.0.1:${port}`);
    } finally {
      taken.close();
    }
  });

  it("a database that does not exist: exits 1 and prints PostgreSQL's message", async () => {
    const url = new URL(db.url);
    url.pathname = '/c360_no_such_database';
    const server = start(process.execPath, ENTRY, { DATABASE_URL: url.toString() });
    expect(await exitWithin(server, 50_000)).toBe(1);
    expect(fatal(server).msg).toBe('failed to start: database "c360_no_such_database" does not exist');
  });
});

describe('readable development logs', () => {
  it('on a terminal, lines are words (not JSON) and the ready line gives the URL', async () => {
    // `script` runs the server on a pseudo-terminal and copies what it shows.
    const server = start('script', ['-qfec', `${process.execPath} ${ENTRY.join(' ')}`, '/dev/null'], {
      DATABASE_URL: db.url,
      C360_TEST_MARKER: marker,
    });
    const url = await readyUrl(server);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
    const ready = server
      .output()
      .split('\n')
      .find((line) => line.includes('Gateway ready at'))!;
    expect(ready.trimStart().startsWith('{')).toBe(false);
    expect(ready).toContain('INFO');
  });

  it('a server whose terminal hangs up (the program holding it killed) stops by itself', async () => {
    // The server runs in the terminal's own session, out of reach of the killed group. Its last log lines go to a
    // terminal that is gone (EIO): SonicBoom's exit flush used to retry that write forever, port closed.
    const server = start('script', ['-qfec', `${process.execPath} ${ENTRY.join(' ')}`, '/dev/null'], {
      DATABASE_URL: db.url,
      C360_TEST_MARKER: marker,
    });
    await readyUrl(server);
    const [pid] = processesMarked(marker);
    expect(pid).toBeDefined();
    killGroup(server.child);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && processesMarked(marker).includes(pid)) await new Promise((r) => setTimeout(r, 200));
    const left = processesMarked(marker);
    for (const stray of left) process.kill(stray, 'SIGKILL');
    expect(left).toEqual([]);
  });
});

describe('the development script stops with its parent', () => {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`\`npm start\` stopped with ${signal}: the server's port closes within 10 s`, async () => {
      const npm = start('npm', ['start'], { DATABASE_URL: db.url });
      const url = await readyUrl(npm);
      process.kill(npm.child.pid!, signal);
      expect(await closedWithin(url, 10_000)).toBe(true);
    });
  }
});

describe('shutdown has a deadline', () => {
  it('a query still blocked past the grace period: exits 1 and logs what was still open', async () => {
    const server = start(process.execPath, ENTRY, {
      DATABASE_URL: db.url,
      DEMO_DATA: 'true',
      DEMO_CUSTOMERS: '5',
      SHUTDOWN_GRACE_MS: '300',
      DB_STATEMENT_TIMEOUT_MS: '120000',
    });
    const url = await readyUrl(server);
    const lock = new Client({ connectionString: db.url });
    await lock.connect();
    try {
      const { rows } = await lock.query('SELECT customer_no FROM customer LIMIT 1');
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE customer IN ACCESS EXCLUSIVE MODE');
      const token = await signToken({ sub: staffId('auditor-1'), roles: ['COMPLIANCE_AUDITOR'] }, SECRET, {
        expiresIn: '5m',
      });
      const blocked = fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          query: 'query Slow($n: String!) { customerByNumber(customerNo: $n) { customerNo } }',
          variables: { n: rows[0].customer_no },
        }),
      }).catch(() => 'cut');
      await sleep(500);

      const signalled = Date.now();
      server.child.kill('SIGTERM');
      expect(await exitWithin(server, 20_000)).toBe(1);
      expect(Date.now() - signalled).toBeGreaterThanOrEqual(300);
      expect(await blocked).toBe('cut');
      const stuck = server
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line))
        .find((line) => /shutdown deadline/.test(line.msg));
      expect(stuck).toMatchObject({ level: 50, stillOpen: expect.arrayContaining(['TCPSocketWrap']) });
    } finally {
      await lock.query('ROLLBACK').catch(() => undefined);
      await lock.end();
    }
  }, 90_000);

  it('exits 0 on SIGTERM within 20 s while its stdout pipe is full (a reader that stopped reading)', async () => {
    // The reader of stdout stays open but stops reading, as when the tool that started the server is gone.
    const server = start(process.execPath, ENTRY, { DATABASE_URL: db.url, SHUTDOWN_GRACE_MS: '1000' }, false);
    let head = '';
    const onData = (chunk: Buffer) => (head += chunk);
    server.child.stdout!.on('data', onData);
    const url = await readyUrl({ ...server, output: () => head });
    server.child.stdout!.off('data', onData);
    server.child.stdout!.pause();

    // Every refused request logs a line: far more than the pipe and the reader's buffer hold.
    for (let batch = 0; batch < 200; batch++) {
      await Promise.all(
        Array.from({ length: 10 }, () =>
          fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"query":"{ me { id } }"}',
          }).then((res) => res.arrayBuffer()),
        ),
      );
    }
    server.child.kill('SIGTERM');
    expect(await exitWithin(server, 20_000)).toBe(0);
  }, 90_000);
});

describe('a cluster of worker processes (GATEWAY_PROCESSES)', () => {
  /** Two workers, each compiling the sources as it starts, on a busy machine. */
  const CLUSTER_START_MS = 180_000;
  const cluster = (env: Record<string, string> = {}) =>
    start(process.execPath, ENTRY, { DATABASE_URL: db.url, GATEWAY_PROCESSES: '2', ...env });

  const lines = (server: Started) =>
    server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, any>);
  /** Worker id to pid, from the primary's "started worker" lines. */
  const workerPids = (server: Started) =>
    new Map(
      lines(server)
        .filter((l) => /^started worker/.test(l.msg))
        .map((l) => [l.worker as number, l.pid as number]),
    );
  /** Running: a zombie (exited, not yet reaped by whoever adopted it) is not. */
  const running = (pid: number) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      return false;
    }
  };
  async function goneWithin(pids: number[], ms: number): Promise<number[]> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline && pids.some(running)) await sleep(200);
    return pids.filter(running);
  }

  it('is refused with the embedded database (no DATABASE_URL), naming GATEWAY_PROCESSES', async () => {
    const server = start(process.execPath, ENTRY, { GATEWAY_PROCESSES: '2', EMBEDDED_DB_DIR: 'memory' });
    expect(await exitWithin(server, 30_000)).toBe(1);
    expect(fatal(server).reason).toBe(
      'Invalid configuration:\n  GATEWAY_PROCESSES: must be 1 with the embedded database (no DATABASE_URL): only one process can open it',
    );
  });

  it('is refused in production without REDIS_URL', async () => {
    const server = cluster({
      NODE_ENV: 'production',
      MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
      AUDIT_HASH_KEY: 'cluster-lifecycle-audit-hash-key-of-32-chars',
      AUDIT_SIGNING_KEY_FILE: path.join(scratch, 'never-read.pem'),
    });
    expect(await exitWithin(server, 30_000)).toBe(1);
    expect(fatal(server).reason).toBe(
      'Invalid configuration:\n  GATEWAY_PROCESSES: above 1 needs REDIS_URL in production: rate limits and persisted queries would otherwise be kept per process',
    );
  });

  it(
    'a worker that cannot start (its port taken): the primary exits 1 and says why',
    async () => {
      const taken: Server = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      try {
        const port = (taken.address() as { port: number }).port;
        const server = cluster({ PORT: String(port) });
        expect(await exitWithin(server, CLUSTER_START_MS)).toBe(1);
        const failed = lines(server).find((l) => l.level === 60 && /^failed to start: worker \d/.test(l.msg));
        expect(failed?.msg).toMatch(
          // The primary binds the port for its workers: a worker reports the primary's error.
          new RegExp(`^failed to start: worker \\d: bind EADDRINUSE 127.0.0.1:${port}$`),
        );
        expect(server.output()).not.toContain('Gateway ready at');
      } finally {
        taken.close();
      }
    },
    CLUSTER_START_MS + 10_000,
  );

  it(
    'a worker killed: the primary logs it, stops the other worker gracefully and exits 1',
    async () => {
      const server = cluster();
      await readyUrl(server, CLUSTER_START_MS);
      const pids = workerPids(server);
      process.kill(pids.get(1)!, 'SIGKILL');
      expect(await exitWithin(server, 30_000)).toBe(1);
      const log = lines(server);
      expect(log).toContainEqual(
        expect.objectContaining({
          level: 50,
          worker: 1,
          signal: 'SIGKILL',
          msg: expect.stringMatching(/^worker 1 exited unexpectedly/),
        }),
      );
      expect(log).toContainEqual(expect.objectContaining({ worker: 2, msg: 'stopped' }));
      expect(log).toContainEqual(
        expect.objectContaining({ worker: 2, code: 0, msg: 'worker 2 stopped (exit code 0)' }),
      );
    },
    CLUSTER_START_MS + 40_000,
  );

  it(
    'Ctrl-C (SIGINT to the whole process group) stops every worker and the primary exits 0',
    async () => {
      const server = cluster();
      await readyUrl(server, CLUSTER_START_MS);
      process.kill(-server.child.pid!, 'SIGINT');
      expect(await exitWithin(server, 30_000)).toBe(0);
      expect(
        lines(server)
          .filter((l) => l.msg === 'stopped')
          .map((l) => l.worker ?? 'primary'),
      ).toEqual(expect.arrayContaining([1, 2, 'primary']));
    },
    CLUSTER_START_MS + 40_000,
  );

  it(
    'the primary killed: its workers drain and exit by themselves',
    async () => {
      const server = cluster();
      const url = await readyUrl(server, CLUSTER_START_MS);
      const pids = [...workerPids(server).values()];
      expect(pids).toHaveLength(2);
      server.child.kill('SIGKILL');
      expect(await goneWithin(pids, 20_000)).toEqual([]);
      expect(await closedWithin(url, 5_000)).toBe(true);
      expect(
        lines(server)
          .filter((l) => l.msg === 'stopped')
          .map((l) => l.worker),
      ).toEqual(expect.arrayContaining([1, 2]));
    },
    CLUSTER_START_MS + 40_000,
  );

  it(
    '`npm start` killed with SIGKILL: the primary follows its parent and the port closes within 10 s',
    async () => {
      const npm = start('npm', ['start'], { DATABASE_URL: db.url, GATEWAY_PROCESSES: '2' });
      const url = await readyUrl(npm, CLUSTER_START_MS);
      process.kill(npm.child.pid!, 'SIGKILL');
      expect(await closedWithin(url, 10_000)).toBe(true);
    },
    CLUSTER_START_MS + 20_000,
  );
});
