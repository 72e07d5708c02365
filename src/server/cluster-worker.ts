import cluster from 'node:cluster';
import { AggregatorRegistry, Registry } from 'prom-client';
import { isClusterMessage, ToPrimary, ToWorker } from './cluster-messages';

/** How long a worker serving /metrics waits for the primary's aggregate (prom-client's own limit is 5 s). */
const SCRAPE_TIMEOUT_MS = 8_000;

/** True in a worker of a cluster (GATEWAY_PROCESSES > 1); every other export here is for workers only. */
export const isClusterWorker = cluster.isWorker;

/** Resolves once the message has left (or could not: the primary is gone); never throws. */
export function tellPrimary(message: ToPrimary): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    try {
      process.send(message, undefined, {}, () => resolve());
    } catch {
      resolve();
    }
  });
}

/**
 * Lets the primary gather this worker's metrics for any worker's scrape.
 * Called early, before the registry exists: a worker still starting then
 * answers with nothing rather than not at all (the primary would wait for it
 * and fail the scrape); `serveRegistry` names the registry once it is made.
 */
export function answerMetricsRequests(): { serveRegistry(registry: Registry): void } {
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([]);
  return { serveRegistry: (registry) => AggregatorRegistry.setRegistries([registry]) };
}

const waiting = new Map<number, { resolve(text: string): void; reject(error: Error): void }>();
let nextScrape = 0;
let listening = false;

/**
 * /metrics of the whole cluster, whichever worker the scrape lands on: the
 * primary asks every worker for its registry and sums them (prom-client's
 * AggregatorRegistry; gauges read from the database take the largest).
 */
export function scrapeCluster(): Promise<string> {
  if (!listening) {
    listening = true;
    process.on('message', (message: unknown) => {
      if (!isClusterMessage<ToWorker>(message) || message.c360 !== 'metrics') return;
      const scrape = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.error !== undefined) scrape?.reject(new Error(message.error));
      else scrape?.resolve(message.text ?? '');
    });
  }
  const id = nextScrape++;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error(`the cluster primary did not answer within ${SCRAPE_TIMEOUT_MS} ms`));
    }, SCRAPE_TIMEOUT_MS);
    waiting.set(id, {
      resolve: (text) => (clearTimeout(timer), resolve(text)),
      reject: (error) => (clearTimeout(timer), reject(error)),
    });
    if (!process.connected) waiting.get(id)!.reject(new Error('the cluster primary is gone'));
    else void tellPrimary({ c360: 'metrics', id });
  });
}

/**
 * Calls `onGone` when the primary exits (the IPC channel closes). Node's own
 * reaction is to exit the worker at once, cutting its requests in flight;
 * marking the disconnect as expected (the property Node checks) leaves the
 * worker to drain and close its pools instead. Should a later Node ignore
 * the mark, the worker still exits, only abruptly.
 */
export function onPrimaryGone(onGone: () => void): void {
  const worker = cluster.worker!;
  worker.once('disconnect', () => {
    if (worker.exitedAfterDisconnect) return;
    worker.exitedAfterDisconnect = true;
    onGone();
  });
}
