import { Counter, Gauge, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';

interface QueueState {
  waiting: number;
  oldestAgeSeconds: number;
}

/**
 * The refresh queue as Prometheus metrics, registered on the registry of the
 * process that runs the worker (the server passes its own). The two gauges
 * are read when scraped, with one count shared by both.
 */
export class SegmentRefreshMetrics {
  readonly customersRefreshed: Counter;
  readonly failedBatches: Counter;
  private reading: Promise<QueueState | undefined> | undefined;

  constructor(
    registry: Registry,
    private readonly ds: DataSource,
  ) {
    this.customersRefreshed = new Counter({
      name: 'segment_refresh_customers_total',
      help: 'Customers whose segments the refresh worker recomputed and committed.',
      registers: [registry],
    });
    this.failedBatches = new Counter({
      name: 'segment_refresh_failed_batches_total',
      help: 'Refresh batches that failed and rolled back; their requests stay queued for the next attempt.',
      registers: [registry],
    });
    const queueState = () => this.readQueue();
    new Gauge({
      name: 'segment_refresh_queue_waiting',
      aggregator: 'max',
      help: 'Customers waiting for their segments to be recomputed.',
      registers: [registry],
      async collect() {
        const state = await queueState();
        if (state) this.set(state.waiting);
      },
    });
    new Gauge({
      name: 'segment_refresh_queue_oldest_age_seconds',
      aggregator: 'max',
      help: 'How long the oldest waiting request has waited (0 when none is waiting).',
      registers: [registry],
      async collect() {
        const state = await queueState();
        if (state) this.set(state.oldestAgeSeconds);
      },
    });
  }

  /** Both gauges collect at once during a scrape: they share the query in flight. */
  private readQueue(): Promise<QueueState | undefined> {
    this.reading ??= this.ds
      .query(
        `SELECT count(*)::int AS waiting,
           coalesce(extract(epoch FROM now() - min(requested_at)), 0)::float8 AS "oldestAgeSeconds"
         FROM segment_refresh_request`,
      )
      .then(([state]: QueueState[]) => state)
      // A scrape must not fail because the database is unreachable: the gauges keep their last values.
      .catch(() => undefined)
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }
}
