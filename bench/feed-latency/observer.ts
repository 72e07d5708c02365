import type { DataSource } from 'typeorm';
import { EVENT_SOURCE, type BalanceChange } from './balance-changes';

/** Milliseconds since the epoch, with the fraction `performance` gives. */
export const nowMs = () => performance.timeOrigin + performance.now();

export interface Timeline {
  change: BalanceChange;
  publishedAt: number;
  /** When the broker acknowledged the publish (stored it). */
  storedAt?: number;
  /** The first poll that saw the holding's new balance (an upper bound on the commit, by at most one poll). */
  committedAt?: number;
  /** The first poll that saw the customer's new AUM and tier. */
  derivedAt?: number;
  /** ingest_inbox.received_at: when the applying transaction began (PostgreSQL's clock, same machine). */
  applyBeganAt?: number;
  /** customer.segmented_at: the `now` of the refresh batch that re-derived it (the ingest process's clock). */
  refreshBeganAt?: number;
}

interface Seen {
  n: number;
  committed: boolean;
  derived: boolean;
  receivedAt: Date | null;
  segmentedAt: Date | null;
}

/** The poller's queries take at most this share of its time, so that watching a backlog does not deepen it. */
const POLL_DUTY_CYCLE = 0.1;

/**
 * Watches the database for published changes: one query per poll for every
 * change not yet seen re-derived. A change counts as committed or derived at
 * the start of the first poll that sees it, so both latencies are upper
 * bounds, late by up to one poll interval plus the query (about half that
 * on average). With thousands of changes waiting the query takes longer,
 * and the interval grows with it (POLL_DUTY_CYCLE).
 */
export class Observer {
  private readonly open = new Map<number, Timeline>();
  private readonly all: Timeline[] = [];
  private polling?: Promise<void>;
  private stopped = false;
  private waiters: (() => void)[] = [];
  /** Time spent in poll queries, ms: the measurement's own load on PostgreSQL. */
  queryMs = 0;
  polls = 0;

  constructor(
    private readonly ds: DataSource,
    private readonly pollMs: number,
    private readonly onDerived: (timeline: Timeline) => void,
  ) {}

  start(): void {
    this.polling = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.polling;
  }

  track(timeline: Timeline): void {
    this.open.set(this.all.length, timeline);
    this.all.push(timeline);
  }

  get timelines(): readonly Timeline[] {
    return this.all;
  }

  get waiting(): number {
    return this.open.size;
  }

  /** Resolves once every tracked change is seen re-derived, or after timeoutMs (false). */
  async settled(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.open.size > 0 && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, Math.max(0, Math.min(1_000, deadline - Date.now())));
      });
    }
    return this.open.size === 0;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const started = nowMs();
      if (this.open.size > 0) await this.poll(started);
      const took = nowMs() - started;
      this.queryMs += took;
      const interval = Math.max(this.pollMs, took / POLL_DUTY_CYCLE);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, interval - took)));
    }
  }

  private async poll(at: number): Promise<void> {
    this.polls++;
    const entries = [...this.open.entries()];
    // Scalar subqueries: one index probe per change (a join would hash the whole inbox), and only while needed.
    const seen: Seen[] = await this.ds.query(
      `SELECT t.n,
         CASE WHEN NOT t.committed THEN
           (SELECT h.balance = t.balance FROM holding h WHERE h.account_no_bidx = t.account_no_bidx) ELSE true END AS committed,
         CASE WHEN NOT t.committed THEN
           (SELECT i.received_at FROM ingest_inbox i WHERE i.source = $8 AND i.event_id = t.event_id) END AS "receivedAt",
         (c.aum = t.aum AND c.tier = t.tier) AS derived, c.segmented_at AS "segmentedAt"
       FROM unnest($1::int[], $2::text[], $3::numeric[], $4::uuid[], $5::numeric[], $6::text[], $7::text[], $9::bool[])
         AS t(n, account_no_bidx, balance, customer_id, aum, tier, event_id, committed)
       -- OFFSET 0 keeps this a probe per change: with thousands waiting, a join would scan every customer.
       CROSS JOIN LATERAL (SELECT c.aum, c.tier, c.segmented_at FROM customer c WHERE c.id = t.customer_id OFFSET 0) c`,
      [
        entries.map(([n]) => n),
        entries.map(([, t]) => t.change.accountNoBidx),
        entries.map(([, t]) => t.change.balance),
        entries.map(([, t]) => t.change.customerId),
        entries.map(([, t]) => t.change.aum),
        entries.map(([, t]) => t.change.tier),
        entries.map(([, t]) => t.change.eventId),
        EVENT_SOURCE,
        entries.map(([, t]) => t.committedAt !== undefined),
      ],
    );
    for (const row of seen) {
      const timeline = this.open.get(row.n)!;
      if (row.receivedAt && timeline.applyBeganAt === undefined) timeline.applyBeganAt = row.receivedAt.getTime();
      if (row.committed && timeline.committedAt === undefined) timeline.committedAt = at;
      if (row.derived) {
        timeline.committedAt ??= at;
        timeline.derivedAt = at;
        timeline.refreshBeganAt = row.segmentedAt?.getTime();
        this.open.delete(row.n);
        this.onDerived(timeline);
      }
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
