import type { Router } from 'express';
import express from 'express';
import type { DataSource } from 'typeorm';

const DATABASE_CHECK_TIMEOUT_MS = 1_000;

/**
 * Liveness and readiness, for a load balancer or Kubernetes probes.
 * `/healthz` answers while the process can serve HTTP at all (restart it if
 * not). `/readyz` says whether to send it traffic: not while draining for
 * shutdown, nor while PostgreSQL does not answer within a second.
 */
export class Health {
  private draining = false;

  constructor(private readonly ds: DataSource) {}

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
      const database = await this.databaseAnswers();
      res.status(database ? 200 : 503).json({ status: database ? 'ready' : 'unavailable', database });
    });
    return router;
  }

  private async databaseAnswers(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), DATABASE_CHECK_TIMEOUT_MS);
    });
    const ping = this.ds.query('SELECT 1').then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([ping, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
