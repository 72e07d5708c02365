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
 *     npm run bench:feed -- [--rates 200[,400,...]] [--seconds 60] [--crossing 0.2] [--poll-ms 100] [--tracked 50]
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
import { BalanceChanges, EVENT_SOURCE } from './feed-latency/balance-changes';
import { cpuShares, cpuSnapshot } from './feed-latency/cpu';
import { IngestProcess } from './feed-latency/ingest-process';
import { nowMs, Observer, Timeline } from './feed-latency/observer';
import { distribution, GOAL_MS, markdownTables, median, StepResult, throughput } from './feed-latency/step-report';
import { BENCH_MASTER_KEY } from './workloads';

const BENCH_DATABASE = 'c360_feed_bench';
/** How long after its last publish a rate may take to show every event before it counts as missed. */
const SETTLE_MS = 60_000;

interface Settings {
  seconds: number;
  trackedPerSecond: number;
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
      tracked: { type: 'string', default: '50' },
      seed: { type: 'string', default: '17' },
      /** A setting of npm run ingest to change from its default, KEY=VALUE, for experiments (repeatable). */
      env: { type: 'string', multiple: true, default: [] },
    },
    strict: true,
  });
  const rates = values.rates.split(',').map(Number);
  const settings: Settings = {
    seconds: Number(values.seconds),
    trackedPerSecond: Number(values.tracked),
    crossing: Number(values.crossing),
    pollMs: Number(values['poll-ms']),
  };
  if ([...rates, settings.seconds, settings.pollMs, settings.trackedPerSecond].some((n) => !(n > 0))) {
    throw new Error('--rates, --seconds, --poll-ms and --tracked must be positive numbers');
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
    // The bench database is encrypted under the benchmarks' master key (bench-database.ts).
    MASTER_KEY: BENCH_MASTER_KEY,
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

/**
 * Offers `rate` events per second for settings.seconds and follows a sample
 * of them (settings.trackedPerSecond, always the last one) until each shows
 * re-derived (or SETTLE_MS): the database is polled for every change
 * followed, so following all of them at high rates would load it more than
 * the feed does. The feed applies events in the order published, so once
 * the last one is committed, every one is.
 */
async function runRate(rate: number, settings: Settings, parts: Parts): Promise<StepResult> {
  const { ds, broker, ingest, changes } = parts;
  const subject = changeSubject(broker.subjectPrefix, 'holdings');
  const observer = new Observer(ds, settings.pollMs, (t) => changes.settle(t.change.eventId));
  observer.start();
  const total = Math.round(rate * settings.seconds);
  const trackEvery = Math.max(1, Math.round(rate / settings.trackedPerSecond));
  const acks: Promise<unknown>[] = [];
  const eventIds: string[] = [];
  let publishFailures = 0;
  let crossingTier = 0;
  const atStart = await ingest.metrics();
  const cpuBefore = cpuSnapshot();
  console.log(`offering ${rate} events/s for ${settings.seconds} s (${total} events, 1 in ${trackEvery} followed)`);

  const started = nowMs();
  let published = 0;
  while (published < total) {
    const due = Math.min(total, Math.floor(((nowMs() - started) * rate) / 1000) + 1);
    for (; published < due; published++) {
      const tracked = published % trackEvery === 0 || published === total - 1;
      const change = changes.next(settings.crossing, tracked);
      const timeline: Timeline = { change, publishedAt: nowMs() };
      if (tracked) observer.track(timeline);
      if (change.crossesTier) crossingTier++;
      eventIds.push(change.eventId);
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
  // One apply transaction per distinct received_at (its now()).
  const applySizes: number[] = (
    await ds.query(
      `SELECT count(*)::int AS size FROM ingest_inbox WHERE source = $1 AND event_id = ANY($2::text[]) GROUP BY received_at`,
      [EVENT_SOURCE, eventIds],
    )
  ).map((row: { size: number }) => row.size);

  const timelines = observer.timelines;
  const commit = distribution(timelines.map((t) => (t.committedAt ? t.committedAt - t.publishedAt : undefined)));
  const derive = distribution(timelines.map((t) => (t.derivedAt ? t.derivedAt - t.publishedAt : undefined)));
  const refreshBatches = new Set(timelines.map((t) => t.refreshBeganAt).filter((at) => at !== undefined)).size;
  const customersRefreshed =
    (atSettled.get('segment_refresh_customers_total') ?? 0) - (atStart.get('segment_refresh_customers_total') ?? 0);
  return {
    rate,
    published,
    tracked: timelines.length,
    publishFailures,
    offeredPerSecond: published / publishSeconds,
    crossingTier,
    commit,
    derive,
    committedPerSecond: throughput(timelines, published, (t) => t.committedAt),
    derivedPerSecond: throughput(timelines, published, (t) => t.derivedAt),
    parts: {
      toApply: median(timelines.map((t) => gap(t.publishedAt, t.applyBeganAt))),
      applying: median(timelines.map((t) => gap(t.applyBeganAt, t.committedAt))),
      toRefresh: median(timelines.map((t) => gap(t.committedAt, t.refreshBeganAt))),
      refreshing: median(timelines.map((t) => gap(t.refreshBeganAt, t.derivedAt))),
    },
    applyBatches: { count: applySizes.length, meanSize: mean(applySizes), maxSize: Math.max(0, ...applySizes) },
    refreshBatches: { count: refreshBatches, meanCustomers: refreshBatches ? customersRefreshed / refreshBatches : 0 },
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
Each rate for ${settings.seconds} s, ${Math.round(settings.crossing * 100)}% of the changes sized to cross a tier threshold; about ${settings.trackedPerSecond} events a second followed, polled every ${settings.pollMs} ms or more.
${markdownTables(results, cpus().length)}

Highest rate offered with p99 re-derived within 5 s: ${passing.length ? Math.max(...passing) : 'none'} events/s${
    results.length && !results[results.length - 1].meetsGoal ? ` (missed at ${results[results.length - 1].rate})` : ''
  }.`;
}

const mean = (values: readonly number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0);
const gap = (from: number | undefined, to: number | undefined) =>
  from === undefined || to === undefined ? undefined : to - from;

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
