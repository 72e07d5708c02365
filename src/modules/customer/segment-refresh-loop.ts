import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { Config } from '../../config';
import { PollLoop } from '../../common/poll-loop';
import { databaseFailureDetails } from '../../db/sql-state';
import { SegmentRefreshMetrics } from './segment-refresh-metrics';
import { drainSegmentRefresh } from './segment-refresh-worker';

/** Where the loop reports a failed batch; a pino logger fits. */
export interface SegmentRefreshLog {
  error(details: Record<string, unknown>, message: string): void;
}

export interface SegmentRefresherOptions {
  log: SegmentRefreshLog;
  /** The process's Prometheus registry; no metrics when omitted. */
  registry?: Registry;
}

/**
 * Drains the segment refresh queue in the background: every pollMs, and
 * again at once after a full batch (drainSegmentRefresh loops until nothing
 * is claimable). Any number of processes may run one against the same
 * database. A failed batch is logged (its type and SQLSTATE only: a driver
 * message can quote customer data) and counted; its requests stay queued,
 * so the next tick retries it.
 */
export class SegmentRefresher {
  private readonly metrics?: SegmentRefreshMetrics;
  private readonly loop: PollLoop;

  constructor(
    private readonly ds: DataSource,
    private readonly config: Config,
    private readonly options: SegmentRefresherOptions,
  ) {
    this.metrics = options.registry ? new SegmentRefreshMetrics(options.registry, ds) : undefined;
    this.loop = new PollLoop(() => this.tick(), config.segmentRefresh.pollMs);
  }

  start(): void {
    this.loop.start();
  }

  /** Stops polling and waits for the batch in flight to commit or roll back. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** drainSegmentRefresh has already drained what was claimable: the next tick waits a poll. */
  private async tick(): Promise<boolean> {
    try {
      await drainSegmentRefresh(this.ds, this.config, {
        batchSize: this.config.segmentRefresh.batchSize,
        metrics: this.metrics,
        signal: this.loop.signal,
      });
    } catch (error) {
      this.options.log.error(databaseFailureDetails(error), 'segment refresh batch failed; its customers stay queued');
    }
    return false;
  }
}
