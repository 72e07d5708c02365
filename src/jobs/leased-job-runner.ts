import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { DataSource } from 'typeorm';
import { PollLoop } from '../common/poll-loop';
import { databaseFailureDetails, sqlStateOf } from '../db/sql-state';
import { isDatabaseUnavailable } from '../db/unavailable';

/**
 * One kind of job, as the runner drives it. A run is a row of `table` with
 * the lease columns (`status` RUNNING while it runs, `lease_owner`,
 * `lease_expires_at`, `claims`, `started_at`); its work is a set of steps,
 * each committed on its own, so that any number of connections (on any
 * server) may take steps side by side and a run taken over carries on from
 * the steps not done.
 */
export interface LeasedJob {
  table: string;
  /** Readies a run for its steps; runs again on a run taken over, so it does nothing the second time. */
  plan(ds: DataSource, runId: string): Promise<void>;
  /** One step in its own transaction; false when no step is left to take. */
  step(ds: DataSource, runId: string): Promise<boolean>;
  /** Ends the run once every step is done; false while some step (another connection's) is not. */
  finish(ds: DataSource, runId: string): Promise<boolean>;
  /** Ends the run as failed by `error`, keeping what its committed steps did. */
  fail(ds: DataSource, runId: string, error: unknown): Promise<void>;
  /** Ends a run that was claimed more than maxClaims times. */
  abandon(ds: DataSource, runId: string): Promise<void>;
}

export interface LeasedJobSettings {
  /** How often to look for a run to claim while idle. */
  pollMs: number;
  /** Steps of one run taken side by side, each on its own connection. */
  connections: number;
  /** A run whose lease is not extended for this long is taken over by another runner. */
  leaseMs: number;
  /** Claims of one run (a first claim and takeovers) before it is failed as abandoned. */
  maxClaims: number;
}

export interface JobLog {
  info(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

/**
 * Runs the runs of one job kind, one run at a time per runner, with leases:
 * a runner claims a RUNNING run whose lease is free or lapsed (FOR UPDATE
 * SKIP LOCKED, so two runners never claim the same one), extends the lease
 * while it works (a heartbeat every third of the lease), and takes its steps
 * on several connections. A run whose runner's server died keeps its lease
 * until it lapses; then another runner claims it and carries on. A step that
 * fails ends the run as failed (its own transaction rolled back, so it wrote
 * nothing); losing the database leaves the run to be taken over.
 */
export class LeasedJobRunner {
  /** Names this runner in the lease; host and process, so an operator can tell where a run is. */
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly loop: PollLoop;

  constructor(
    private readonly ds: DataSource,
    private readonly job: LeasedJob,
    private readonly settings: LeasedJobSettings,
    private readonly log: JobLog,
  ) {
    // Straight on to the next run after one ended; otherwise wait a poll.
    this.loop = new PollLoop(
      () =>
        this.tick().catch((error) => {
          this.log.error(databaseFailureDetails(error), 'job runner could not claim a run');
          return false;
        }),
      settings.pollMs,
    );
  }

  start(): void {
    this.loop.start();
  }

  /** Stops claiming and waits for the steps in flight to commit or roll back; the run's lease then lapses. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Claims and runs one run; true when there was one. */
  private async tick(): Promise<boolean> {
    const claimed = await this.claim();
    if (!claimed) return false;
    if (claimed.claims > this.settings.maxClaims) {
      await this.job.abandon(this.ds, claimed.id);
      this.log.error({ runId: claimed.id, claims: claimed.claims }, 'run abandoned: taken over too many times');
      return true;
    }
    await this.work(claimed.id);
    return true;
  }

  private async claim(): Promise<{ id: string; claims: number } | undefined> {
    // TypeORM answers an UPDATE with [rows, affected].
    const [[claimed]] = await this.ds.query(
      `UPDATE ${this.job.table} SET lease_owner = $1, lease_expires_at = now() + $2 * interval '1 millisecond',
         claims = claims + 1
       WHERE id = (
         SELECT id FROM ${this.job.table}
         WHERE status = 'RUNNING' AND (lease_expires_at IS NULL OR lease_expires_at < now())
         ORDER BY started_at LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING id, claims`,
      [this.owner, this.settings.leaseMs],
    );
    return claimed;
  }

  private async work(runId: string): Promise<void> {
    const lost = new AbortController();
    const heartbeat = setInterval(
      () => {
        this.extendLease(runId).then(
          (held) => {
            if (!held) lost.abort();
          },
          // The database may be back before the lease lapses: keep working, the next beat tells.
          (error) => this.log.error({ ...databaseFailureDetails(error), runId }, 'lease heartbeat failed'),
        );
      },
      Math.max(10, Math.floor(this.settings.leaseMs / 3)),
    );
    const halted = () => lost.signal.aborted || this.loop.signal.aborted;
    try {
      await this.job.plan(this.ds, runId);
      // A failed step stops the others from starting another, and the run ends only once every step
      // in flight has committed or rolled back: a sibling still screening must not commit after the
      // run was ended as FAILED with counts (and an audit record) that leave its range out.
      let failure: { error: unknown } | undefined;
      const steps = async () => {
        try {
          while (!halted() && !failure && (await this.job.step(this.ds, runId)));
        } catch (error) {
          failure ??= { error };
        }
      };
      await Promise.all(Array.from({ length: this.settings.connections }, steps));
      if (failure) throw failure.error;
      if (halted()) {
        this.log.info({ runId, leaseLost: lost.signal.aborted }, 'left the run to be taken over');
        return;
      }
      if (!(await this.job.finish(this.ds, runId))) {
        // Another runner (which took a lapsed lease) still has a step in flight: it will end the run.
        this.log.info({ runId }, 'run has steps in flight elsewhere');
      }
    } catch (error) {
      if (isConnectionLoss(error)) {
        // Whatever was in flight rolled back; the lease lapses and the run is taken over when the database returns.
        this.log.error(
          { ...databaseFailureDetails(error), runId },
          'lost the database during a run; it will be taken over',
        );
        return;
      }
      this.log.error({ ...databaseFailureDetails(error), runId }, 'run failed');
      await this.job.fail(this.ds, runId, error);
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async extendLease(runId: string): Promise<boolean> {
    const [rows] = await this.ds.query(
      `UPDATE ${this.job.table} SET lease_expires_at = now() + $3 * interval '1 millisecond'
       WHERE id = $1 AND lease_owner = $2 AND status = 'RUNNING' RETURNING id`,
      [runId, this.owner, this.settings.leaseMs],
    );
    return rows.length === 1;
  }
}

/**
 * The database gone or refusing connections says nothing about the run
 * itself. A statement timeout (57014) does: the step was too slow, and
 * taking it again would be as slow.
 */
function isConnectionLoss(error: unknown): boolean {
  return isDatabaseUnavailable(error) && sqlStateOf(error) !== '57014';
}
