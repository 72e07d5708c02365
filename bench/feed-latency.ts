/**
 * How long a change on the feed takes to show (issue 17: a balance change
 * re-derives the customer's AUM, tier... within 5 seconds). Seeds (once,
 * then reuses) c360_feed_bench with 100,000 customers on the server of
 * DATABASE_URL, starts `npm run ingest` against it with default settings and
 * a subject prefix of this run's own, and publishes intraday balance changes
 * (`holdings` events) for random customers at a steady rate, a share of them
 * sized to move the customer across a tier threshold. Per event it measures
 * publish → commit (the holding's new balance visible) and publish →
 * re-derived (the customer's AUM and tier as expected). Several rates, one
 * after the other, find the highest at which p99 stays within 5 s; it stops
 * at the first that misses. The run's streams are deleted at the end; the
 * database is left for the next run.
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres NATS_URL=nats://127.0.0.1:4222 \
 *     npm run bench:feed -- [--rates 200[,400,...]] [--seconds 60] [--crossing 0.2] [--poll-ms 100]
 */
import 'reflect-metadata';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { DataSource } from 'typeorm';
import { connectBroker, type Broker } from '../src/broker/nats';
import { changeFeedStream, changeSubject, deadLetterStream } from '../src/broker/streams';
import { loadConfig, type Config } from '../src/config';
import { benchDatabaseUrl, reuseOrCreateSeededDatabase } from './bench-database';
import { BalanceChanges } from './feed-latency/balance-changes';
import { cpuShares, cpuSnapshot } from './feed-latency/cpu';
import { IngestProcess } from './feed-latency/ingest-process';
import { nowMs, Observer, Timeline } from './feed-latency/observer';
import { distribution, GOAL_MS, markdownTables, median, StepResult, throughput } from './feed-latency/step-report';

const BENCH_DATABASE = 'c360_feed_bench';
/** How long after its last publish a rate may take to show every event before it counts as missed. */
const SETTLE_MS = 60_000;

interface Settings {
  seconds: number;
  crossing: number;
  pollMs: number;
}

async function main() {
  const { values } = parseArgs({
    options: {
      customers: { type: 'string', default: '100000' },
      rates: { type: 'string', default: '200' },
      seconds: { type: 'string', default: '60' },
      crossing: { type: 'string', default: '0.2' },
      'poll-ms': { type: 'string', default: '100' },
      seed: { type: 'string', default: '17' },
      /** A setting of npm run ingest to change from its default, KEY=VALUE, for experiments (repeatable). */
      env: { type: 'string', multiple: true, default: [] },
    },
    strict: true,
  });
  const rates = values.rates.split(',').map(Number);
  const settings: Settings = {
    seconds: Number(values.seconds),
    crossing: Number(values.crossing),
    pollMs: Number(values['poll-ms']),
  };
  if (rates.some((r) => !(r > 0)) || !(settings.seconds > 0) || !(settings.pollMs > 0)) {
    throw new Error('--rates, --seconds and --poll-ms must be positive numbers');
  }
  const config = loadConfig();
  if (!config.db.url) throw new Error('DATABASE_URL names the PostgreSQL server to create the bench database on');
  if (!config.broker.url) throw new Error('NATS_URL names the NATS server (with JetStream) to run the feed on');

  const run = `fb${Date.now().toString(36)}`;
  const subjectPrefix = `c360bench_${run}`;
  // What npm run ingest will run with: the defaults, but for where the database and the broker are.
  const url = benchDatabaseUrl(config.db.url, BENCH_DATABASE);
  const ingestEnv: Record<string, string> = {
    ...Object.fromEntries(
      values.env.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
    ),
    DATABASE_URL: url,
    NATS_URL: config.broker.url,
    NATS_SUBJECT_PREFIX: subjectPrefix,
  };
  const ingestConfig = loadConfig(ingestEnv);
  const { ds } = await reuseOrCreateSeededDatabase(config.db.url, BENCH_DATABASE, {
    customers: Number(values.customers),
    applicationName: 'customer360-feed-bench',
    segmentWith: ingestConfig,
  });
  const logFile = join(tmpdir(), `c360-feed-bench-${run}-ingest.log`);
  let ingest: IngestProcess | undefined;
  let broker: Broker | undefined;
  const results: StepResult[] = [];
  try {
    ingest = await IngestProcess.start(ingestEnv, logFile);
    console.log(`npm run ingest is taking events on ${subjectPrefix}.in.> (its log: ${logFile})`);
    await queueDrained(ds, 120_000);
    const changes = await BalanceChanges.load(ds, ingestConfig, run, Number(values.seed));
    console.log(`${changes.customerCount} customers have active CNY holdings counted in AUM`);
    broker = await connectBroker({ url: config.broker.url, subjectPrefix });

    for (const rate of rates) {
      const result = await runRate(rate, settings, { ds, broker, ingest, changes, run });
      results.push(result);
      console.log(
        `${rate} events/s: re-derived p50 ${Math.round(result.derive.p50)} ms, p99 ${Math.round(result.derive.p99)} ms, ` +
          `${result.derive.missing} not seen; within 5 s: ${result.meetsGoal ? 'yes' : 'no'}`,
      );
      if (!result.meetsGoal) break;
      await queueDrained(ds, 120_000);
    }
  } finally {
    await ingest?.stop();
    if (broker) {
      for (const stream of [changeFeedStream(subjectPrefix), deadLetterStream(subjectPrefix)]) {
        await broker.manager.streams.delete(stream.name).catch(() => false);
      }
      await broker.drain();
    }
    await ds.destroy();
  }
  console.log(describeRun(ingestConfig, values.env, settings, results));
}

interface Parts {
  ds: DataSource;
  broker: Broker;
  ingest: IngestProcess;
  changes: BalanceChanges;
  run: string;
}

/** Offers `rate` events per second for settings.seconds, then waits until every event shows (or SETTLE_MS). */
async function runRate(rate: number, settings: Settings, parts: Parts): Promise<StepResult> {
  const { ds, broker, ingest, changes } = parts;
  const subject = changeSubject(broker.subjectPrefix, 'holdings');
  const observer = new Observer(ds, settings.pollMs, (t) => changes.settle(t.change.eventId));
  observer.start();
  const total = Math.round(rate * settings.seconds);
  const acks: Promise<unknown>[] = [];
  let publishFailures = 0;
  const cpuBefore = cpuSnapshot();
  console.log(`offering ${rate} events/s for ${settings.seconds} s (${total} events)`);

  const started = nowMs();
  let published = 0;
  while (published < total) {
    const due = Math.min(total, Math.floor(((nowMs() - started) * rate) / 1000) + 1);
    for (; published < due; published++) {
      const change = changes.next(settings.crossing);
      const timeline: Timeline = { change, publishedAt: nowMs() };
      observer.track(timeline);
      acks.push(
        broker.jetstream.publish(subject, change.payload).then(
          () => (timeline.storedAt = nowMs()),
          () => publishFailures++,
        ),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const publishSeconds = (nowMs() - started) / 1000;
  await Promise.all(acks);
  const atLoadEnd = await ingest.metrics();
  const settled = await observer.settled(SETTLE_MS);
  if (!settled) console.log(`${observer.waiting} events not re-derived ${SETTLE_MS / 1000} s after the last publish`);
  await observer.stop();
  const cpuAfter = cpuSnapshot();
  const atSettled = await ingest.metrics();
  const benchBackends: { pid: number }[] = await ds.query(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`,
  );

  const timelines = observer.timelines;
  const commit = distribution(timelines.map((t) => (t.committedAt ? t.committedAt - t.publishedAt : undefined)));
  const derive = distribution(timelines.map((t) => (t.derivedAt ? t.derivedAt - t.publishedAt : undefined)));
  const applySizes = countBy(timelines.map((t) => t.applyBeganAt));
  const refreshSizes = countBy(timelines.map((t) => t.refreshBeganAt));
  return {
    rate,
    published: timelines.length,
    publishFailures,
    offeredPerSecond: timelines.length / publishSeconds,
    crossingTier: timelines.filter((t) => t.change.crossesTier).length,
    commit,
    derive,
    committedPerSecond: throughput(timelines, (t) => t.committedAt),
    derivedPerSecond: throughput(timelines, (t) => t.derivedAt),
    parts: {
      toApply: median(timelines.map((t) => gap(t.publishedAt, t.applyBeganAt))),
      applying: median(timelines.map((t) => gap(t.applyBeganAt, t.committedAt))),
      toRefresh: median(timelines.map((t) => gap(t.committedAt, t.refreshBeganAt))),
      refreshing: median(timelines.map((t) => gap(t.refreshBeganAt, t.derivedAt))),
    },
    applyBatches: {
      count: applySizes.length,
      meanSize: mean(applySizes),
      maxSize: Math.max(0, ...applySizes),
    },
    refreshBatches: { count: refreshSizes.length, meanEvents: mean(refreshSizes) },
    atLoadEnd,
    atSettled,
    cpu: cpuShares(cpuBefore, cpuAfter, {
      ingestGroup: ingest.groupId,
      benchPid: process.pid,
      benchBackends: new Set(benchBackends.map((b) => b.pid)),
    }),
    loadAverage: loadavg()[0],
    poller: { polls: observer.polls, busyShare: observer.queryMs / (cpuAfter.at - cpuBefore.at) },
    meetsGoal: publishFailures === 0 && derive.p99 <= GOAL_MS,
  };
}

/** Waits until no customer is waiting for a refresh (left over from an interrupted run, or the previous rate). */
async function queueDrained(ds: DataSource, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [{ waiting }] = await ds.query(`SELECT count(*)::int AS waiting FROM segment_refresh_request`);
    if (waiting === 0) return;
    if (Date.now() > deadline) throw new Error(`${waiting} customers still queued for a refresh`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function describeRun(config: Config, changed: string[], settings: Settings, results: readonly StepResult[]): string {
  const passing = results.filter((r) => r.meetsGoal).map((r) => r.rate);
  return `
${cpus().length} cores (${cpus()[0].model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB (${Math.round(freemem() / 2 ** 30)} GiB free), Node ${process.version}, ${new Date().toISOString()}.
npm run ingest with ${changed.length ? `default settings but ${changed.join(', ')}` : 'default settings'}: INGEST_BATCH_SIZE ${config.ingest.batchSize}, SEGMENT_REFRESH_POLL_MS ${config.segmentRefresh.pollMs}, SEGMENT_REFRESH_BATCH ${config.segmentRefresh.batchSize}, DB_POOL_SIZE ${config.db.poolSize}.
Each rate for ${settings.seconds} s, ${Math.round(settings.crossing * 100)}% of the changes sized to cross a tier threshold; polled every ${settings.pollMs} ms.
${markdownTables(results, cpus().length)}

Highest rate offered with p99 re-derived within 5 s: ${passing.length ? Math.max(...passing) : 'none'} events/s${
    results.length && !results[results.length - 1].meetsGoal ? ` (missed at ${results[results.length - 1].rate})` : ''
  }.`;
}

function countBy(keys: readonly (number | undefined)[]): number[] {
  const counts = new Map<number, number>();
  for (const key of keys) if (key !== undefined) counts.set(key, (counts.get(key) ?? 0) + 1);
  return [...counts.values()];
}

const mean = (values: readonly number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0);
const gap = (from: number | undefined, to: number | undefined) =>
  from === undefined || to === undefined ? undefined : to - from;

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
