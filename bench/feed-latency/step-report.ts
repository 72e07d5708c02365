import type { CpuShares } from './cpu';
import type { Samples } from './ingest-process';
import type { Timeline } from './observer';

/** The issue's goal: a change re-derived within 5 seconds. */
export const GOAL_MS = 5_000;

export interface Distribution {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Events never seen (counted as infinitely late in the percentiles). */
  missing: number;
}

export interface StepResult {
  rate: number;
  published: number;
  /** Events whose latency was measured (a sample spread over the run, the last one included). */
  tracked: number;
  publishFailures: number;
  offeredPerSecond: number;
  crossingTier: number;
  commit: Distribution;
  derive: Distribution;
  committedPerSecond: number;
  derivedPerSecond: number;
  /** Medians of the parts of the way, ms: publish → transaction begins → commit seen → refresh begins → derived seen. */
  parts: { toApply: number; applying: number; toRefresh: number; refreshing: number };
  applyBatches: { count: number; meanSize: number; maxSize: number };
  /** Refresh transactions that re-derived a followed event, and customers refreshed per transaction (all customers refreshed during the rate over that count). */
  refreshBatches: { count: number; meanCustomers: number };
  atLoadEnd: Samples;
  atSettled: Samples;
  cpu: CpuShares;
  /** The bench's poll queries: how many, and the share of the step's time they ran (one connection). */
  poller: { polls: number; busyShare: number };
  loadAverage: number;
  meetsGoal: boolean;
}

export function distribution(values: readonly (number | undefined)[]): Distribution {
  const sorted = values.map((v) => v ?? Infinity).sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  return {
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    max: sorted[sorted.length - 1] ?? NaN,
    missing: values.filter((v) => v === undefined).length,
  };
}

export function median(values: readonly (number | undefined)[]): number {
  return distribution(values.filter((v) => v !== undefined)).p50;
}

/**
 * Events per second from the first publish until the last followed event was
 * seen (the last event published is followed), scaled by the share of the
 * followed events seen at all.
 */
export function throughput(
  timelines: readonly Timeline[],
  published: number,
  seenAt: (t: Timeline) => number | undefined,
): number {
  const seen = timelines.map(seenAt).filter((v): v is number => v !== undefined);
  if (seen.length === 0) return 0;
  const first = Math.min(...timelines.map((t) => t.publishedAt));
  return (published * (seen.length / timelines.length)) / ((Math.max(...seen) - first) / 1000);
}

const ms = (value: number) => (Number.isFinite(value) ? `${Math.round(value)}` : 'never');
const s = (value: number | undefined, digits = 1) => (value === undefined ? '-' : value.toFixed(digits));

export function markdownTables(results: readonly StepResult[], cores: number): string {
  const holdings = (samples: Samples, name: string) => samples.get(`${name}{kind="holdings"}`);
  const rows = (render: (r: StepResult) => string) => results.map(render).join('\n');
  return `
| offered ev/s | published (followed) | crossing a tier | commit p50 / p95 / p99 / max ms | re-derived p50 / p95 / p99 / max ms | not seen | committed ev/s | re-derived ev/s | within 5 s at p99 |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows(
  (r) =>
    `| ${r.rate} (${s(r.offeredPerSecond)}) | ${r.published} (${r.tracked}) | ${r.crossingTier} | ` +
    `${ms(r.commit.p50)} / ${ms(r.commit.p95)} / ${ms(r.commit.p99)} / ${ms(r.commit.max)} | ` +
    `${ms(r.derive.p50)} / ${ms(r.derive.p95)} / ${ms(r.derive.p99)} / ${ms(r.derive.max)} | ` +
    `${r.derive.missing} | ${s(r.committedPerSecond)} | ${s(r.derivedPerSecond)} | ${r.meetsGoal ? 'yes' : 'no'} |`,
)}

Where the time goes (medians, ms) and how the work was batched:

| offered ev/s | publish → apply tx begins | apply tx → commit seen | commit → refresh begins | refresh → re-derived seen | apply transactions (mean / max events) | refresh transactions (≈ mean customers) |
| --- | --- | --- | --- | --- | --- | --- |
${rows(
  (r) =>
    `| ${r.rate} | ${ms(r.parts.toApply)} | ${ms(r.parts.applying)} | ${ms(r.parts.toRefresh)} | ${ms(r.parts.refreshing)} | ` +
    `${r.applyBatches.count} (${s(r.applyBatches.meanSize)} / ${r.applyBatches.maxSize}) | ` +
    `${r.refreshBatches.count} (${s(r.refreshBatches.meanCustomers, 0)}) |`,
)}

The consumer's metrics when the last event was published, and once every event was seen re-derived:

| offered ev/s | ingest_feed_lag_seconds (end of load / settled) | ingest_feed_pending_messages | segment_refresh_queue_waiting | segment_refresh_queue_oldest_age_seconds |
| --- | --- | --- | --- | --- |
${rows(
  (r) =>
    `| ${r.rate} | ${s(holdings(r.atLoadEnd, 'ingest_feed_lag_seconds'), 2)} / ${s(holdings(r.atSettled, 'ingest_feed_lag_seconds'), 2)} | ` +
    `${s(r.atLoadEnd.get('ingest_feed_pending_messages'), 0)} / ${s(r.atSettled.get('ingest_feed_pending_messages'), 0)} | ` +
    `${s(r.atLoadEnd.get('segment_refresh_queue_waiting'), 0)} / ${s(r.atSettled.get('segment_refresh_queue_waiting'), 0)} | ` +
    `${s(r.atLoadEnd.get('segment_refresh_queue_oldest_age_seconds'))} / ${s(r.atSettled.get('segment_refresh_queue_oldest_age_seconds'))} |`,
)}

CPU, in cores (of ${cores}) on average from the first publish until every event was seen re-derived:

| offered ev/s | machine | ingest process | PostgreSQL, bench database | PostgreSQL, the rest | NATS | bench (publisher, poller) | other work | load average (1 min) | bench's polls (time in them) |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows(
  (r) =>
    `| ${r.rate} | ${s(r.cpu.machine, 2)} | ${s(r.cpu.ingest, 2)} | ${s(r.cpu.postgresBench, 2)} | ${s(r.cpu.postgresOther, 2)} | ` +
    `${s(r.cpu.nats, 2)} | ${s(r.cpu.bench, 2)} | ${s(r.cpu.other, 2)} | ${s(r.loadAverage, 2)} | ` +
    `${r.poller.polls} (${Math.round(r.poller.busyShare * 100)}%) |`,
)}`;
}
