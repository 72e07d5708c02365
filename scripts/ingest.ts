/**
 * Takes change events from NATS JetStream (`<prefix>.in.<kind>`) and applies
 * them, and refreshes the segments of the customers they change; serves
 * Prometheus metrics on INGEST_METRICS_PORT. Any number may run at once.
 *   NATS_URL=nats://127.0.0.1:4222 npm run ingest
 * (The server runs the same consumer in-process with INGEST_ENABLED=true.)
 */
import 'reflect-metadata';
import http from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { startBackgroundWork } from '../src/server/background';
import { flushLogs, logger } from '../src/telemetry/logger';

async function main() {
  const config = loadConfig();
  logger.level = config.logLevel;
  if (!config.broker.url) throw new Error('NATS_URL is not set: the change feed is read from NATS');
  const db = await openDatabase(config);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metricsServer = http.createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => metricsServer.listen(config.ingest.metricsPort, config.http.host, resolve));
  const address = metricsServer.address();
  const port = typeof address === 'object' && address ? address.port : config.ingest.metricsPort;
  logger.info({ port }, `ingest: metrics at http://${config.http.host}:${port}/metrics`);

  const work = startBackgroundWork(config, db.ds, registry, logger, {
    changeFeed: true,
    segmentRefresh: config.segmentRefresh.enabled,
    outboxRelay: false,
    enrollmentRuns: false,
    auditSealer: false,
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'ingest: stopping after the batch in flight');
    await work.stop();
    metricsServer.close();
    await db.close();
    await flushLogs();
    process.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void stop(signal));
}

main().catch(async (error) => {
  logger.error({ reason: error instanceof Error ? error.message : String(error) }, 'ingest: could not start');
  await flushLogs();
  process.exit(1);
});
