import type { Router } from 'express';
import express from 'express';
import type { DataSource } from 'typeorm';
import { preparedQuery } from '../db/prepared-statements';

/**
 * The read behind readiness: a named statement on a table, through the pool
 * that requests use. `SELECT 1` on a connection of its own answered while
 * every customer read failed (the embedded database's session held stale
 * statement names); this fails whenever a request's read would.
 */
const READINESS_READ = 'SELECT id FROM customer LIMIT 1';

/**
 * Liveness and readiness, for a load balancer or Kubernetes probes.
 * `/healthz` answers while the process can serve HTTP at all (restart it if
 * not). `/readyz` says whether to send it traffic (PRODUCT.md §4: "can serve
 * reads"): not while draining for shutdown, nor while a read where queries
 * read (the replica, when there is one) fails or takes longer than a request
 * may wait for a connection. A primary that is down while the replica
 * answers leaves the instance ready: reads are served, writes answer
 * SERVICE_UNAVAILABLE.
 */
export class Health {
  private draining = false;

  constructor(
    private readonly reads: DataSource,
    private readonly timeoutMs: number,
  ) {}

  /** From now on readiness is false, so the balancer stops sending new requests. */
  startDraining(): void {
    this.draining = true;
  }

  routes(): Router {
    const router = express.Router();
    router.get('/healthz', (_req, res) => {
      res.json({ status: 'ok' });
    });
    router.get('/readyz', async (_req, res) => {
      if (this.draining) {
        res.status(503).json({ status: 'draining' });
        return;
      }
      const database = await this.readsAnswer();
      res.status(database ? 200 : 503).json({ status: database ? 'ready' : 'unavailable', database });
    });
    return router;
  }

  private async readsAnswer(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.timeoutMs);
    });
    const read = preparedQuery(this.reads, READINESS_READ, []).then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([read, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
