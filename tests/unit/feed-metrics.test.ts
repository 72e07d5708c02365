import { Registry } from 'prom-client';
import { FeedMetrics } from '../../src/ingest/feed/feed-metrics';

describe('ingest_feed_pending_messages', () => {
  const scrape = async (pending: () => Promise<number | undefined>) => {
    const registry = new Registry();
    new FeedMetrics(registry, pending);
    return registry.metrics();
  };

  it('reports what the broker counts', async () => {
    expect(await scrape(async () => 12)).toMatch(/^ingest_feed_pending_messages 12$/m);
  });

  // prom-client writes NaN as `Nan`; Prometheus reads it case-insensitively.
  it('reports NaN, not 0, when the broker cannot tell or fails to answer', async () => {
    expect(await scrape(async () => undefined)).toMatch(/^ingest_feed_pending_messages NaN$/im);
    expect(
      await scrape(async () => {
        throw new Error('timeout');
      }),
    ).toMatch(/^ingest_feed_pending_messages NaN$/im);
  });
});
