import type { Registry } from 'prom-client';
import { describeFailure, type Log } from '../../broker/log';
import { connectBroker, type Broker } from '../../broker/nats';
import type { Config } from '../../config';
import type { BackgroundPool } from '../../db/database';
import { ChangeFeedConsumer } from './consumer';
import { FeedMetrics } from './feed-metrics';
import { sealInboxKeys } from './inbox';
import { keyringFor } from '../../privacy/encryption/keyrings';
import { sealLegacyRows } from '../../privacy/encryption/rotation';

const RECONNECT_DELAY_MS = 5_000;

/**
 * The change feed as a process runs it: connects to NATS (retrying until it
 * can, so a broker that starts after the gateway is picked up), sets up the
 * streams and the durable consumer, and takes events until stopped. While it
 * cannot connect, `ingest_consumer_running` is 0; the server keeps serving
 * reads either way (PRODUCT.md §4: readiness is about reads).
 */
export class ChangeFeed {
  private readonly metrics: FeedMetrics;
  private broker?: Broker;
  private consumer?: ChangeFeedConsumer;
  private stopped = false;
  private connecting?: Promise<void>;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly config: Config,
    private readonly pool: BackgroundPool,
    registry: Registry,
    private readonly log: Log,
  ) {
    this.metrics = new FeedMetrics(registry, async () => this.consumer?.pending());
  }

  start(): void {
    this.connecting = this.connect();
  }

  /** The consumer, once connected (tests wait for it). */
  get running(): ChangeFeedConsumer | undefined {
    return this.consumer;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.connecting;
    await this.consumer?.stop();
    await this.broker?.drain();
    await this.pool.close();
  }

  private async connect(): Promise<void> {
    const { url, subjectPrefix } = this.config.broker;
    if (!url || this.stopped) return;
    try {
      await this.pool.open();
      // As a bulk load does: rows an upgrade left without blind indexes are sealed before any event looks one up.
      await sealLegacyRows(this.pool.ds, keyringFor(this.pool.ds));
      await sealInboxKeys(this.pool.ds);
      this.broker = await connectBroker({ url, subjectPrefix }, this.log);
      const consumer = new ChangeFeedConsumer(this.pool.ds, this.broker, this.config.ingest, this.metrics, this.log);
      await consumer.start();
      this.consumer = consumer;
      this.log.info({ subjects: `${subjectPrefix}.in.>` }, 'change feed: taking events');
      // The client gave up reconnecting: start over with a new connection.
      void consumer.finished.then(() => {
        if (this.stopped) return;
        this.log.warn({}, 'change feed: broker connection closed; connecting again');
        this.connecting = this.connect();
      });
    } catch (error) {
      this.log.warn(describeFailure(error), 'change feed: cannot reach the broker or the database yet; retrying');
      await this.broker?.drain().catch(() => undefined);
      this.broker = undefined;
      if (!this.stopped) this.retry = setTimeout(() => (this.connecting = this.connect()), RECONNECT_DELAY_MS);
    }
  }
}
