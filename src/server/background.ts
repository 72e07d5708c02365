import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { Log } from '../broker/log';
import type { Config } from '../config';
import { createOutboxRelay } from '../events/outbox-relay';
import { backgroundPool } from '../db/database';
import { ChangeFeed } from '../ingest/feed/change-feed';
import { startEnrollmentRunner } from '../jobs/enrollment-runs';
import { SegmentRefresher } from '../modules/customer/segment-refresh-loop';
import { AuditSealer } from '../modules/audit/audit-sealer-loop';

export interface BackgroundWork {
  changeFeed?: ChangeFeed;
  /** Each part finishes what it has in flight; call before the database closes. */
  stop(): Promise<void>;
}

interface Parts {
  outboxRelay: boolean;
  segmentRefresh: boolean;
  changeFeed: boolean;
  enrollmentRuns: boolean;
  auditSealer: boolean;
}

/**
 * What runs beside the requests, off the request path: the outbox relay
 * (events out), the segment refresher (derived columns of changed customers),
 * the change feed (events in), the enrolment runner (enrollCustomers runs) and the audit sealer (the
 * tamper-evident chain and its signed digests). The server runs the parts its settings
 * enable; `npm run ingest` runs the feed and the refresher on their own.
 */
export function startBackgroundWork(
  config: Config,
  ds: DataSource,
  registry: Registry,
  log: Log & { child(bindings: object): Log },
  parts: Parts = {
    outboxRelay: config.outbox.relayEnabled,
    segmentRefresh: config.segmentRefresh.enabled,
    changeFeed: config.ingest.enabled,
    enrollmentRuns: config.enrollmentJob.enabled,
    auditSealer: config.audit.sealer.enabled,
  },
): BackgroundWork {
  const relay = parts.outboxRelay
    ? createOutboxRelay(config, ds, registry, log.child({ component: 'outbox-relay' }))
    : undefined;
  relay?.start();
  if (relay && !config.broker.url) log.info({}, 'no broker configured (NATS_URL): events are kept in the outbox');

  const refresher = parts.segmentRefresh
    ? new SegmentRefresher(ds, config, { registry, log: log.child({ component: 'segment-refresh' }) })
    : undefined;
  refresher?.start();

  const changeFeed =
    parts.changeFeed && config.broker.url
      ? new ChangeFeed(
          config,
          backgroundPool(config, ds, {
            applicationName: 'customer360-ingest',
            poolSize: 2,
            statementTimeoutMs: config.ingest.statementTimeoutMs,
          }),
          registry,
          log.child({ component: 'change-feed' }),
        )
      : undefined;
  changeFeed?.start();

  const enrollmentRunner = parts.enrollmentRuns
    ? startEnrollmentRunner(config, ds, log.child({ component: 'enrollment-runs' }))
    : undefined;

  // A pool of its own: sealing never waits for a request's connection, nor holds one.
  const auditSealer = parts.auditSealer
    ? new AuditSealer(
        backgroundPool(config, ds, {
          applicationName: 'customer360-audit-sealer',
          poolSize: 1,
          statementTimeoutMs: config.db.statementTimeoutMs,
        }),
        config.audit.sealer,
        log.child({ component: 'audit-sealer' }),
        registry,
      )
    : undefined;
  auditSealer?.start();

  return {
    changeFeed,
    async stop() {
      // The feed first: its last batch may queue segment refreshes and write outbox events.
      await changeFeed?.stop();
      await Promise.all([refresher?.stop(), relay?.stop(), enrollmentRunner?.stop(), auditSealer?.stop()]);
    },
  };
}
