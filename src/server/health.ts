import type { Router } from 'express';
import express from 'express';
import { Pool } from 'pg';

const DATABASE_CHECK_TIMEOUT_MS = 1_000;

/**
 * Liveness and readiness, for a load balancer or Kubernetes probes.
 * `/healthz` answers while the process can serve HTTP at all (restart it if
 * not). `/readyz` says whether to send it traffic: not while draining for
 * shutdown, nor while PostgreSQL does not answer within a second. The check
 * has its own connection: a request pool busy under load is not an outage.
 */
export class Health {
  private draining = false;
  private readonly pools: Pool[];

  /** The primary, and the replica this instance reads from, if any: both must answer. */
  constructor(databaseUrls: string[]) {
    this.pools = databaseUrls.map((url) => {
      const pool = new Pool({
        connectionString: url,
        max: 1,
        connectionTimeoutMillis: DATABASE_CHECK_TIMEOUT_MS,
        application_name: 'customer360-health',
      });
      // A lost connection is reported by the next check, not by crashing the process.
      pool.on('error', () => undefined);
      return pool;
    });
  }

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

  async close(): Promise<void> {
    await Promise.all(this.pools.map((pool) => pool.end()));
  }

  private async databaseAnswers(): Promise<boolean> {
    const answers = await Promise.all(this.pools.map((pool) => this.answers(pool)));
    return answers.every(Boolean);
  }

  private async answers(pool: Pool): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), DATABASE_CHECK_TIMEOUT_MS);
    });
    const ping = pool.query('SELECT 1').then(
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
