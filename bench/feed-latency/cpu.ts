import { readdirSync, readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc counts CPU time in hundredths of a second. */
const TICKS_PER_SECOND = 100;

interface ProcessTime {
  comm: string;
  group: number;
  ticks: number;
}

export interface CpuSnapshot {
  at: number;
  busyTicks: number;
  processes: Map<number, ProcessTime>;
}

/** Cores used, on average over the interval, by each part of the machine. */
export interface CpuShares {
  machine: number;
  ingest: number;
  bench: number;
  /** PostgreSQL backends connected to the bench database (as listed at the end of the interval). */
  postgresBench: number;
  /** The rest of PostgreSQL: other databases' backends (other work on the machine), its background processes. */
  postgresOther: number;
  nats: number;
  /** Everything else that ran: other work on the machine. */
  other: number;
}

/** The machine's busy time and every process's CPU time, from /proc. */
export function cpuSnapshot(): CpuSnapshot {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
  const processes = new Map<number, ProcessTime>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const rest = stat.slice(close + 2).split(' ');
    // After the command: state, ppid, pgrp, ..., utime (14th field overall) and stime (15th).
    processes.set(Number(entry), { comm, group: Number(rest[2]), ticks: Number(rest[11]) + Number(rest[12]) });
  }
  return { at: Date.now(), busyTicks: user + nice + system + irq + softirq + (steal || 0), processes };
}

export function cpuShares(
  before: CpuSnapshot,
  after: CpuSnapshot,
  parts: { ingestGroup: number; benchPid: number; benchBackends: ReadonlySet<number> },
): CpuShares {
  const seconds = (after.at - before.at) / 1000;
  const cores = (ticks: number) => ticks / TICKS_PER_SECOND / seconds;
  const used = (pid: number) => {
    const now = after.processes.get(pid);
    const then = before.processes.get(pid);
    return now ? now.ticks - (then?.ticks ?? 0) : 0;
  };
  const shares = { ingest: 0, bench: 0, postgresBench: 0, postgresOther: 0, nats: 0 };
  for (const [pid, process] of after.processes) {
    if (process.group === parts.ingestGroup) shares.ingest += used(pid);
    else if (pid === parts.benchPid) shares.bench += used(pid);
    else if (parts.benchBackends.has(pid)) shares.postgresBench += used(pid);
    else if (process.comm === 'postgres') shares.postgresOther += used(pid);
    else if (process.comm === 'nats-server') shares.nats += used(pid);
  }
  const machine = cores(after.busyTicks - before.busyTicks);
  const named = Object.fromEntries(Object.entries(shares).map(([k, v]) => [k, cores(v)])) as typeof shares;
  const accounted = Object.values(named).reduce((sum, v) => sum + v, 0);
  return { machine, ...named, other: Math.max(0, machine - accounted) };
}
