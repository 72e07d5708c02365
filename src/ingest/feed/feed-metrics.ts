import { Counter, Gauge, Registry } from 'prom-client';

export type EventOutcome = 'applied' | 'stale' | 'duplicate' | 'dead_lettered';

/**
 * What operators watch on the change feed (readiness stays about serving
 * reads, PRODUCT.md §4): how far behind each feed is, what became of its
 * events, and whether the consumer is still taking them. Labels are kinds
 * (a fixed list) and outcomes, never anything from an event.
 */
export class FeedMetrics {
  readonly events: Counter<'kind' | 'outcome'>;
  readonly lagSeconds: Gauge<'kind'>;
  readonly running: Gauge;
  readonly lastBatchAt: Gauge;
  readonly failedBatches: Counter;

  constructor(registry: Registry, pendingMessages: () => Promise<number | undefined>) {
    const registers = [registry];
    this.events = new Counter({
      name: 'ingest_events_total',
      help: 'Change events by kind and outcome (applied, stale: older than what was applied, duplicate: a redelivery, dead_lettered).',
      labelNames: ['kind', 'outcome'] as const,
      registers,
    });
    this.lagSeconds = new Gauge({
      name: 'ingest_feed_lag_seconds',
      aggregator: 'max',
      help: 'Per feed (kind): seconds between the broker storing the last processed event and its commit here.',
      labelNames: ['kind'] as const,
      registers,
    });
    this.running = new Gauge({
      name: 'ingest_consumer_running',
      aggregator: 'min',
      help: '1 while the change-feed consumer is taking events; 0 when stopped or when its last fetch or batch failed.',
      registers,
    });
    this.lastBatchAt = new Gauge({
      name: 'ingest_consumer_last_success_timestamp_seconds',
      aggregator: 'min',
      help: 'When the consumer last fetched successfully (with or without events): a stalled consumer stops moving it.',
      registers,
    });
    this.failedBatches = new Counter({
      name: 'ingest_failed_batches_total',
      help: 'Batches that could not be applied (the database or the broker failed); their events are redelivered.',
      registers,
    });
    new Gauge({
      name: 'ingest_feed_pending_messages',
      aggregator: 'max',
      help: 'Events on the broker not yet acknowledged by this consumer (waiting plus in flight); NaN while the broker cannot tell.',
      registers,
      async collect() {
        // Unknown (no consumer yet, or the broker not answering) is not "nothing pending": an alert on a backlog must not clear.
        const pending = await pendingMessages().catch(() => undefined);
        this.set(pending ?? Number.NaN);
      },
    });
  }
}
