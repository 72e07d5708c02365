/**
 * The benchmark's report: bench/results/<customers>.json, and
 * bench/results/README.md, one section per scale (newest run of each) and W1
 * across the scales run. Reports written before issue 18 (one baseline, no
 * CPU figures) are still read.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Measure } from './measure';

export const RESULTS = path.join(__dirname, 'results');

/** The limit a workload's gateway figures are compared with: the faster raw server in the same run. */
export interface Limit {
  server: string;
  rps: number;
  p99: number;
}

export type Report = {
  date: string;
  machine: string;
  customers: number;
  connections: number;
  seconds?: number;
  rounds?: number;
  settings: string;
  medians: Record<string, Measure>;
  runs?: Record<string, Measure[]>;
  sqlStatementsPerRequest: Record<string, number>;
  /** Issue 18: per workload, the faster raw server's medians. */
  limits?: Record<string, Limit>;
  refreshDelay?: { probes: number; p50Ms: number | null; maxMs: number | null; timedOut: number };
  peakRssMb: Record<string, number | null>;
  ratios: Record<string, { rps: number; p99: number }>;
  /** Wall-clock time of the whole run, seeding left out. */
  runMinutes?: number;
};

const fixed = (n: number | undefined, digits: number) => (n === undefined ? '' : n.toFixed(digits));

export function writeReport(report: Report): void {
  writeFileSync(path.join(RESULTS, `${report.customers}.json`), JSON.stringify(report, null, 2) + '\n');
  const all = readdirSync(RESULTS)
    .filter((file) => /^\d+\.json$/.test(file))
    .map((file) => JSON.parse(readFileSync(path.join(RESULTS, file), 'utf8')) as Report)
    .sort((a, b) => a.customers - b.customers);
  const lines = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (bench/run.ts); one section per scale, newest run of each. Profiles and',
    'measured levers: [profile.md](profile.md). W4, an enrolment run over the whole book (a job, not a request), is',
    'timed by `npm run bench:enroll`: [enrollment-run.md](enrollment-run.md).',
    '',
  ];
  for (const r of all) {
    lines.push(`## ${r.customers.toLocaleString('en')} customers (${r.date.slice(0, 16)}Z)`, '');
    lines.push(`${r.machine}; ${r.connections} connections. ${r.settings}`, '');
    if (r.runMinutes !== undefined) lines.push(`The run took ${r.runMinutes} minutes.`, '');
    lines.push(
      '| workload | rps | p50 ms | p99 ms | SQL / request | errors | server CPU ms / req | PostgreSQL CPU ms / req | load generator, cores | load average |',
      '|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const [name, m] of Object.entries(r.medians)) {
      lines.push(
        `| ${name} | ${m.rps.toFixed(0)} | ${m.p50} | ${m.p99} | ${r.sqlStatementsPerRequest[name] ?? ''} | ${m.errors} | ` +
          `${fixed(m.serverCpuMs, 3)} | ${fixed(m.postgresCpuMs, 3)} | ${fixed(m.benchCpuCores, 2)} | ${fixed(m.loadAverage, 1)} |`,
      );
    }
    if (r.limits) {
      lines.push('', '| honest limit (faster raw server, same run) | server | rps | p99 ms |', '|---|---|---|---|');
      for (const [w, limit] of Object.entries(r.limits))
        lines.push(`| ${w} | ${limit.server} | ${limit.rps.toFixed(0)} | ${limit.p99} |`);
    }
    lines.push('', '| ratio gateway / limit | throughput (goal ≥ 0.5×) | p99 latency (goal ≤ 3×) |', '|---|---|---|');
    for (const [w, ratio] of Object.entries(r.ratios)) lines.push(`| ${w} | ${ratio.rps}× | ${ratio.p99}× |`);
    if (r.refreshDelay) {
      const d = r.refreshDelay;
      lines.push(
        '',
        `Segment refresh after a write (W3's load running; from the write's answer to its new lifecycle stage): ` +
          `median ${d.p50Ms} ms, max ${d.maxMs} ms over ${d.probes} probes, ${d.timedOut} not landed within 30 s.`,
      );
    }
    const rss = Object.entries(r.peakRssMb).map(([server, mb]) => `${server} ${mb} MB`);
    lines.push('', `Peak RSS: ${rss.join(', ')}.`, '');
  }
  const withW1 = all.filter((r) => r.medians['W1 gateway']);
  if (withW1.length > 1) {
    lines.push(
      '## W1 across scales',
      '',
      '| customers | W1 gateway rps | p99 ms | W1 limit rps | p99 ms |',
      '|---|---|---|---|---|',
    );
    for (const r of withW1) {
      const g = r.medians['W1 gateway'];
      const limit = r.limits?.W1 ?? r.medians['W1 baseline'];
      lines.push(
        `| ${r.customers.toLocaleString('en')} | ${g.rps.toFixed(0)} | ${g.p99} | ${limit.rps.toFixed(0)} | ${limit.p99} |`,
      );
    }
    lines.push('');
  }
  writeFileSync(path.join(RESULTS, 'README.md'), lines.join('\n'));
  console.log(
    `\n${JSON.stringify({ limits: report.limits, ratios: report.ratios, refreshDelay: report.refreshDelay })}`,
  );
  console.log(`written: bench/results/${report.customers}.json, bench/results/README.md`);
}
