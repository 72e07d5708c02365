import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { Config } from '../config';
import { flushLogs, logger } from '../telemetry/logger';
import { isClusterMessage, ToPrimary, ToWorker } from './cluster-messages';
import { watchParent } from './parent-watch';

/** Past the workers' own shutdown deadline, how long the primary waits before killing those still running. */
const PRIMARY_DEADLINE_MARGIN_MS = 5_000;

interface WorkerState {
  worker: Worker;
  ready: boolean;
  /** Why it could not start, as it said before exiting. */
  startFailure?: string;
}

/**
 * The primary of a cluster (GATEWAY_PROCESSES > 1): it serves no request
 * itself. It starts the workers, each a whole gateway sharing the port, and
 * says the instance is ready once all are. It stops them all, gracefully,
 * on SIGTERM or SIGINT (and SIGHUP or its parent's exit with
 * STOP_WITH_PARENT), exiting 0 when every one stopped cleanly and 1
 * otherwise. A worker that exits on its own, or fails to start, stops the
 * whole instance with exit code 1: the orchestrator restarts it, as it would
 * a single process that died. Workers are not restarted here, so a crash is
 * never hidden behind a restart loop.
 *
 * The migrations (and the demo data) ran before this, once. `/metrics`, on
 * whichever worker, is answered from here: every worker's registry, summed.
 */
export function runClusterPrimary(config: Config, workerShutdownDeadlineMs: number): void {
  const aggregator = config.metricsEnabled ? new AggregatorRegistry() : undefined;
  const workers = new Map<number, WorkerState>();
  let stopping = false;
  let failed = false;
  let readyUrl: string | undefined;

  const stop = (trigger: string) => {
    if (stopping) return;
    stopping = true;
    const deadlineMs = workerShutdownDeadlineMs + PRIMARY_DEADLINE_MARGIN_MS;
    setTimeout(() => {
      const left = [...workers.values()].map(({ worker }) => ({ worker: worker.id, pid: worker.process.pid }));
      logger.error({ deadlineMs, left }, `shutdown deadline of ${deadlineMs} ms passed; killing the workers left`);
      for (const { worker } of workers.values()) worker.process.kill('SIGKILL');
      void flushLogs().then(() => process.exit(1));
    }, deadlineMs);
    logger.info({ trigger }, 'shutting down: stopping the workers');
    // Each worker drains and closes as a single process does on SIGTERM.
    for (const { worker } of workers.values()) worker.process.kill('SIGTERM');
  };

  const answerScrape = (worker: Worker, id: number) => {
    const reply = (message: ToWorker) => {
      if (worker.isConnected()) worker.send(message);
    };
    if (!aggregator) return reply({ c360: 'metrics', id, error: 'metrics are off (METRICS_ENABLED=false)' });
    aggregator.clusterMetrics().then(
      (text) => reply({ c360: 'metrics', id, text }),
      (error: Error) => reply({ c360: 'metrics', id, error: error.message }),
    );
  };

  cluster.on('message', (worker, message: unknown) => {
    const state = workers.get(worker.id);
    if (!state || !isClusterMessage<ToPrimary>(message)) return;
    switch (message.c360) {
      case 'ready':
        state.ready = true;
        readyUrl = message.url;
        if (!stopping && [...workers.values()].every((w) => w.ready))
          logger.info(
            { url: readyUrl, processes: workers.size },
            `Customer360 Gateway ready at ${readyUrl} (${workers.size} worker processes)`,
          );
        break;
      case 'start-failed':
        state.startFailure = message.reason;
        break;
      case 'stopping':
        stop(`${message.trigger} to worker ${worker.id}`);
        break;
      case 'metrics':
        answerScrape(worker, message.id);
        break;
    }
  });

  cluster.on('exit', (worker, code, signal) => {
    const state = workers.get(worker.id);
    workers.delete(worker.id);
    const how = signal ? `killed by ${signal}` : `exit code ${code}`;
    const fields = { worker: worker.id, pid: worker.process.pid, code, signal };
    if (!stopping) {
      failed = true;
      if (state && !state.ready) {
        const reason = state.startFailure ?? how;
        logger.fatal({ ...fields, reason }, `failed to start: worker ${worker.id}: ${reason}`);
      } else logger.error(fields, `worker ${worker.id} exited unexpectedly (${how}): stopping the instance`);
      stop(`worker ${worker.id} exited`);
    } else {
      if (code !== 0) failed = true;
      logger.info(fields, `worker ${worker.id} stopped (${how})`);
    }
    if (workers.size === 0) {
      logger.info(failed ? 'stopped, with errors' : 'stopped');
      void flushLogs().then(() => process.exit(failed ? 1 : 0));
    }
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stop(signal));
  if (config.stopWithParent) {
    process.on('SIGHUP', () => stop('SIGHUP'));
    watchParent(stop);
  }

  logger.info({ processes: config.processes }, `starting ${config.processes} worker processes`);
  if (!config.redisUrl)
    logger.warn(
      {},
      'no REDIS_URL: each worker keeps its own rate limits and persisted queries (limits are per process)',
    );
  for (let i = 0; i < config.processes; i++) {
    const worker = cluster.fork();
    // A message to a worker that is gone fails here rather than as an uncaught error.
    worker.on('error', (error: Error) => logger.warn({ worker: worker.id, reason: error.message }, 'worker IPC error'));
    workers.set(worker.id, { worker, ready: false });
    logger.info({ worker: worker.id, pid: worker.process.pid }, `started worker ${worker.id}`);
  }
}
