import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { describeFailure, Log, silentLog } from '../broker/log';
import { Broker, connectBroker } from '../broker/nats';
import type { Config } from '../config';
import { ensureStream, eventsOutStream, eventSubject } from '../broker/streams';
import { claimUnpublished, markPublished, messageOf, OutboxEvent, prunePublished, pruneUnpublished } from './outbox';
import { OutboxMetrics } from './outbox-metrics';

export interface OutboxRelayOptions {
  ds: DataSource;
  /** Opens a broker connection; absent when none is configured, and then the relay only prunes. */
  connectBroker?: () => Promise<Broker>;
  /** Where the relay's metrics go (the server's /metrics registry). */
  registry: Registry;
  log?: Log;
  /** Unpublished events older than this are dropped and counted. */
  retentionHours: number;
  /** Published events older than this are deleted. */
  publishedRetentionHours: number;
  batchSize?: number;
  /** Pause between scans when the outbox is empty. */
  pollIntervalMs?: number;
  pruneIntervalMs?: number;
  /** Backoff after a failure doubles from pollIntervalMs up to this. */
  maxBackoffMs?: number;
}

export type BatchOutcome =
  | { status: 'published'; published: number; claimed: number }
  | { status: 'unreachable' }
  /** Some publishes were not acknowledged: those events stay unpublished. */
  | { status: 'rejected'; published: number; claimed: number };

/**
 * Relays outbox events to NATS JetStream after their transaction committed.
 * Each batch is one transaction: lock the oldest unpublished events, publish
 * each on `<prefix>.out.<type>` with its event id as Nats-Msg-Id, wait for the
 * acks, mark the acknowledged ones published, commit. At least once: a crash
 * between the acks and the commit publishes them again, and the stream's
 * duplicate window drops the copies (consumers also have the event id).
 * Broker failures leave events unpublished and the relay retries with
 * backoff; pruning runs whether or not a broker is configured.
 */
export class OutboxRelay {
  private readonly metrics: OutboxMetrics;
  private readonly log: Log;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly pruneIntervalMs: number;
  private readonly maxBackoffMs: number;
  private broker?: Broker;
  private streamReady = false;
  private loop?: Promise<void>;
  private stopping = false;
  private wake?: () => void;
  private failures = 0;

  constructor(private readonly options: OutboxRelayOptions) {
    this.metrics = new OutboxMetrics(options.registry, options.ds);
    this.log = options.log ?? silentLog;
    this.batchSize = options.batchSize ?? 200;
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.pruneIntervalMs = options.pruneIntervalMs ?? 60_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run();
  }

  /** Waits for the batch in flight (published and marked, or left unpublished), then closes the broker connection. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
    const broker = this.broker;
    this.broker = undefined;
    await broker?.drain().catch(() => undefined);
  }

  /** One batch, as the loop runs it. */
  async relayBatch(): Promise<BatchOutcome> {
    const broker = this.options.connectBroker ? await this.connectedBroker(this.options.connectBroker) : undefined;
    if (!broker) {
      this.metrics.publishFailures.inc({ reason: 'unreachable' });
      return { status: 'unreachable' };
    }
    return this.options.ds.transaction(async (em) => {
      const events = await claimUnpublished(em, this.batchSize);
      if (events.length === 0) return { status: 'published', published: 0, claimed: 0 };
      const acked = await this.publish(broker, events);
      await markPublished(
        em,
        acked.map((event) => event.id),
      );
      for (const event of acked) this.metrics.published.inc({ type: event.type });
      if (acked.length === events.length)
        return { status: 'published', published: acked.length, claimed: events.length };
      this.metrics.publishFailures.inc({ reason: 'rejected' });
      // A server that lost the stream (restarted without its storage) answers no publish: set it up again.
      this.streamReady = false;
      return { status: 'rejected', published: acked.length, claimed: events.length };
    });
  }

  /** Drops what outlived its retention; returns how many published and unpublished events went. */
  async prune(): Promise<{ published: number; unpublished: number }> {
    const published = await prunePublished(this.options.ds, this.options.publishedRetentionHours);
    const unpublished = await pruneUnpublished(this.options.ds, this.options.retentionHours);
    let lost = 0;
    for (const [type, count] of unpublished) {
      this.metrics.prunedUnpublished.inc({ type }, count);
      lost += count;
    }
    if (lost > 0) {
      this.log.warn(
        { events: lost, retentionHours: this.options.retentionHours },
        'outbox events dropped unpublished after their retention',
      );
    }
    return { published, unpublished: lost };
  }

  private async run(): Promise<void> {
    let nextPruneAt = 0;
    while (!this.stopping) {
      let pauseMs = this.options.connectBroker ? this.pollIntervalMs : this.pruneIntervalMs;
      try {
        if (Date.now() >= nextPruneAt) {
          await this.prune();
          nextPruneAt = Date.now() + this.pruneIntervalMs;
        }
        if (this.options.connectBroker) {
          const outcome = await this.relayBatch();
          if (outcome.status === 'published') {
            if (this.failures > 0) this.log.info({ afterFailures: this.failures }, 'outbox relay recovered');
            this.failures = 0;
            if (outcome.claimed === this.batchSize) pauseMs = 0;
          } else {
            pauseMs = this.backoffAfterFailure(outcome.status);
          }
        }
      } catch (error) {
        this.metrics.publishFailures.inc({ reason: 'database' });
        if (this.failures === 0) this.log.error(describeFailure(error), 'outbox relay failed; retrying');
        pauseMs = this.backoffAfterFailure('database');
      }
      await this.pause(pauseMs);
    }
  }

  private backoffAfterFailure(reason: string): number {
    this.failures++;
    if (this.failures === 1) this.log.warn({ reason }, 'outbox events could not be relayed; retrying with backoff');
    const exponential = Math.min(this.maxBackoffMs, this.pollIntervalMs * 2 ** Math.min(this.failures - 1, 20));
    // Jitter keeps several instances from retrying in step.
    return exponential * (0.8 + Math.random() * 0.4);
  }

  /** The broker, connecting when there is none (or the client gave up); undefined when it cannot be reached now. */
  private async connectedBroker(connect: () => Promise<Broker>): Promise<Broker | undefined> {
    if (this.broker?.isClosed()) this.broker = undefined;
    if (!this.broker) {
      try {
        this.broker = await connect();
        this.streamReady = false;
      } catch (error) {
        if (this.failures === 0) this.log.warn(describeFailure(error), 'broker unreachable');
        return undefined;
      }
    }
    // While the client reconnects a publish would only wait for its timeout, holding a database transaction.
    if (!this.broker.isConnected()) return undefined;
    if (!this.streamReady) {
      try {
        await ensureStream(this.broker, eventsOutStream(this.broker.subjectPrefix));
        this.streamReady = true;
      } catch (error) {
        if (this.failures === 0) this.log.warn(describeFailure(error), 'could not set up the events stream');
        return undefined;
      }
    }
    return this.broker;
  }

  /**
   * Publishes the batch pipelined (in order on one connection) and returns
   * the events whose publish was acknowledged by the stream.
   */
  private async publish(broker: Broker, events: OutboxEvent[]): Promise<OutboxEvent[]> {
    const results = await Promise.allSettled(
      events.map((event) =>
        broker.jetstream.publish(eventSubject(broker.subjectPrefix, event.type), JSON.stringify(messageOf(event)), {
          msgID: event.eventId,
        }),
      ),
    );
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed && this.failures === 0)
      this.log.warn(describeFailure(failed.reason), 'broker did not acknowledge a publish');
    return events.filter((_, i) => results[i].status === 'fulfilled');
  }

  private pause(ms: number): Promise<void> {
    if (ms <= 0 || this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

/** The relay the server runs, as configured: undefined when OUTBOX_RELAY_ENABLED is false. */
export function createOutboxRelay(
  config: Config,
  ds: DataSource,
  registry: Registry,
  log: Log,
): OutboxRelay | undefined {
  if (!config.outbox.relayEnabled) return undefined;
  const { url, subjectPrefix } = config.broker;
  return new OutboxRelay({
    ds,
    registry,
    log,
    connectBroker: url ? () => connectBroker({ url, subjectPrefix }, log) : undefined,
    retentionHours: config.outbox.retentionHours,
    publishedRetentionHours: config.outbox.publishedRetentionHours,
  });
}
