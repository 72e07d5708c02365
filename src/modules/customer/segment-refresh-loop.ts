import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { Config } from '../../config';
import { sqlStateOf } from '../../db/sql-state';
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
  private readonly stopping = new AbortController();
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;

  constructor(
    private readonly ds: DataSource,
    private readonly config: Config,
    private readonly options: SegmentRefresherOptions,
  ) {
    this.metrics = options.registry ? new SegmentRefreshMetrics(options.registry, ds) : undefined;
  }

  start(): void {
    if (this.timer || this.stopping.signal.aborted) return;
    this.schedule(0);
  }

  /** Stops polling and waits for the batch in flight to commit or roll back. */
  async stop(): Promise<void> {
    this.stopping.abort();
    clearTimeout(this.timer);
    await this.inFlight;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.inFlight = this.tick().finally(() => {
        this.inFlight = undefined;
        if (!this.stopping.signal.aborted) this.schedule(this.config.segmentRefresh.pollMs);
      });
    }, delayMs);
  }

  private async tick(): Promise<void> {
    try {
      await drainSegmentRefresh(this.ds, this.config, {
        batchSize: this.config.segmentRefresh.batchSize,
        metrics: this.metrics,
        signal: this.stopping.signal,
      });
    } catch (error) {
      this.options.log.error(safeDetails(error), 'segment refresh batch failed; its customers stay queued');
    }
  }
}

function safeDetails(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { errorType: typeof error };
  return { errorType: error.name, sqlState: sqlStateOf(error) };
}
