import { Counter, Gauge, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { backlogOf } from './outbox';

/**
 * The outbox as Prometheus sees it. The backlog is read from the database
 * when scraped, so it is true whichever instance relays; the counters are
 * this process's. Labels are event types (a fixed set) and failure reasons.
 */
export class OutboxMetrics {
  readonly published: Counter<'type'>;
  readonly publishFailures: Counter<'reason'>;
  readonly prunedUnpublished: Counter<'type'>;

  constructor(registry: Registry, ds: DataSource) {
    // Both gauges come from one query per scrape.
    let backlog: Promise<{ waiting: number; oldestAgeSeconds: number } | undefined> | undefined;
    const readBacklog = () => {
      backlog ??= backlogOf(ds)
        .catch(() => undefined)
        .finally(() => setImmediate(() => (backlog = undefined)));
      return backlog;
    };
    new Gauge({
      name: 'outbox_events_waiting',
      aggregator: 'max',
      help: 'Events in the outbox not yet published to the broker.',
      registers: [registry],
      async collect() {
        const read = await readBacklog();
        if (read) this.set(read.waiting);
      },
    });
    new Gauge({
      name: 'outbox_oldest_waiting_event_age_seconds',
      aggregator: 'max',
      help: 'Age of the oldest event not yet published (0 when none wait).',
      registers: [registry],
      async collect() {
        const read = await readBacklog();
        if (read) this.set(read.oldestAgeSeconds);
      },
    });
    this.published = new Counter({
      name: 'outbox_events_published_total',
      help: 'Events published to the broker and acknowledged, by type (a republished duplicate counts again).',
      labelNames: ['type'] as const,
      registers: [registry],
    });
    this.publishFailures = new Counter({
      name: 'outbox_publish_failures_total',
      help: 'Relay attempts that failed, by reason: unreachable (no broker connection), rejected (a publish not acknowledged), database.',
      labelNames: ['reason'] as const,
      registers: [registry],
    });
    this.prunedUnpublished = new Counter({
      name: 'outbox_events_pruned_unpublished_total',
      help: 'Events dropped unpublished after OUTBOX_RETENTION_HOURS, by type.',
      labelNames: ['type'] as const,
      registers: [registry],
    });
  }
}
