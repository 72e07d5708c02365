/**
 * One measurement of the benchmark: autocannon against one server, with what
 * it cost besides time (the server's CPU, its PostgreSQL backends' CPU, the
 * load generator's own CPU) and how busy the machine was. A response carrying
 * GraphQL errors counts as an error, however its HTTP status reads.
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import autocannon from 'autocannon';
import { Client } from 'pg';

export interface Measure {
  rps: number;
  p50: number;
  p99: number;
  /** Non-2xx, socket errors, timeouts and 200s whose body carries GraphQL errors. */
  errors: number;
  /** CPU of the server process (and of its worker processes, for a cluster) per answered request. */
  serverCpuMs?: number;
  /** CPU of the PostgreSQL backends serving the run's database, per answered request. */
  postgresCpuMs?: number;
  /** The load generator's own CPU, in cores (1 = one core busy the whole time). */
  benchCpuCores?: number;
  /** 1-minute load average when the measurement ended (2 cores: above 2, something waited). */
  loadAverage?: number;
}

export interface Target {
  url: string;
  token: string;
  body: () => Record<string, unknown>;
  headers: () => Record<string, string>;
}

/** Top-level `errors` in a GraphQL response (the PostgreSQL-built JSON puts a space before the colon). */
const CARRIES_ERRORS = /"errors"\s*:/;

const TICK_MS = 1000 / 100; // USER_HZ, 100 on Linux

/** utime + stime of a process, in ms; undefined once it has gone. */
function cpuMsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), which ends with the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

/** A process and its descendants (a cluster's primary and its workers), read from /proc. */
export function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    try {
      for (const task of readdirSync(`/proc/${tree[i]}/task`)) {
        const children = readFileSync(`/proc/${tree[i]}/task/${task}/children`, 'utf8').trim();
        if (children) tree.push(...children.split(' ').map(Number));
      }
    } catch {
      // gone meanwhile
    }
  }
  return tree;
}

/**
 * CPU of a process and its live descendants, in ms; undefined once the process has gone. Read before and after
 * a measurement, with the same workers alive at both ends (a worker that exited meanwhile would drop out).
 */
function treeCpuMsOf(pid: number): number | undefined {
  if (cpuMsOf(pid) === undefined) return undefined;
  return processTree(pid).reduce((sum, member) => sum + (cpuMsOf(member) ?? 0), 0);
}

/** The CPU of a database's backends between two readings; backends started meanwhile count from zero. */
class BackendCpu {
  private before = new Map<number, number>();

  constructor(
    private readonly admin: Client,
    private readonly database: string,
  ) {}

  private async read(): Promise<Map<number, number>> {
    const { rows } = await this.admin.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
      [this.database],
    );
    const cpu = new Map<number, number>();
    for (const { pid } of rows) {
      const ms = cpuMsOf(pid);
      if (ms !== undefined) cpu.set(pid, ms);
    }
    return cpu;
  }

  async start(): Promise<void> {
    this.before = await this.read();
  }

  async elapsedMs(): Promise<number> {
    let total = 0;
    for (const [pid, ms] of await this.read()) total += ms - (this.before.get(pid) ?? 0);
    return total;
  }
}

export class Meter {
  private constructor(private readonly backends: BackendCpu) {}

  /** `admin` must be connected to another database than `database`, so as not to count itself. */
  static async open(admin: Client, database: string): Promise<Meter> {
    return new Meter(new BackendCpu(admin, database));
  }

  /** Warm-up, a pause for the server to finish the warm-up's abandoned requests, then the measurement. */
  async drive(target: Target, serverPid: number, connections: number, seconds: number): Promise<Measure> {
    const options = {
      url: target.url,
      method: 'POST' as const,
      connections,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${target.token}` },
      verifyBody: (body: unknown) => !CARRIES_ERRORS.test(String(body)),
      requests: [
        {
          setupRequest: (request: autocannon.Request) => ({
            ...request,
            headers: { ...request.headers, ...target.headers() },
            body: JSON.stringify(target.body()),
          }),
        },
      ],
    };
    // Warm-up: JIT (a server switching workload re-optimises its hot paths), pools, plans.
    await autocannon({ ...options, duration: 5 });
    // autocannon drops the warm-up's in-flight requests, but the server still works through them: let it
    // finish, or the first requests measured queue behind up to `connections` abandoned ones (seen as a
    // W2 p99 three times the gateway's own logged p99).
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const serverBefore = treeCpuMsOf(serverPid) ?? NaN;
    await this.backends.start();
    const benchBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    const result = await autocannon({ ...options, duration: seconds });
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    const bench = process.cpuUsage(benchBefore);
    const serverMs = (treeCpuMsOf(serverPid) ?? NaN) - serverBefore;
    const postgresMs = await this.backends.elapsedMs();
    const answered = result.requests.total;
    const perRequest = (ms: number) => (answered > 0 ? round3(ms / answered) : undefined);
    return {
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: result.non2xx + result.errors + result.timeouts + (result.mismatches ?? 0),
      serverCpuMs: perRequest(serverMs),
      postgresCpuMs: perRequest(postgresMs),
      benchCpuCores: round2((bench.user + bench.system) / 1000 / wallMs),
      loadAverage: round2(os.loadavg()[0]),
    };
  }
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const round3 = (n: number) => Math.round(n * 1000) / 1000;

export function median(list: Measure[]): Measure {
  const mid = (xs: (number | undefined)[]) => {
    const sorted = xs.filter((x): x is number => x !== undefined && !Number.isNaN(x)).sort((a, b) => a - b);
    if (sorted.length === 0) return undefined;
    const half = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;
  };
  return {
    rps: mid(list.map((m) => m.rps))!,
    p50: mid(list.map((m) => m.p50))!,
    p99: mid(list.map((m) => m.p99))!,
    errors: list.reduce((sum, m) => sum + m.errors, 0),
    serverCpuMs: mid(list.map((m) => m.serverCpuMs)),
    postgresCpuMs: mid(list.map((m) => m.postgresCpuMs)),
    benchCpuCores: mid(list.map((m) => m.benchCpuCores)),
    loadAverage: mid(list.map((m) => m.loadAverage)),
  };
}
