import { Gauge, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { RevealSettings } from '../../config';
import { quotaDay, revealTotals, topRevealers } from './reveal-quota';

interface RevealState {
  top: { actorId: string; used: number }[];
  callers: number;
  reveals: number;
}

/**
 * Reveals per caller today (the bank's calendar day), read from the quota
 * table when scraped, so every instance reports the same figures. A series
 * per staff member would grow with the staff directory and never shrink, so
 * the per-caller gauge holds only today's top callers (REVEAL_METRIC_TOP_CALLERS,
 * at most 200), rebuilt on each scrape: yesterday's callers leave it at the
 * day's end. The totals cover everyone. Staff ids are pseudonymous; who they
 * are is in the staff directory, for those entitled to it.
 */
export class RevealMetrics {
  private reading: Promise<RevealState | undefined> | undefined;

  constructor(
    registry: Registry,
    private readonly ds: DataSource,
    private readonly settings: RevealSettings,
  ) {
    const state = () => this.read();
    new Gauge({
      name: 'privacy_reveals_today_by_caller',
      aggregator: 'max',
      help: "Reveals (revealField, granted) today by each of today's heaviest callers, by staff id.",
      labelNames: ['caller'] as const,
      registers: [registry],
      async collect() {
        const now = await state();
        if (!now) return;
        this.reset();
        for (const { actorId, used } of now.top) this.set({ caller: actorId }, used);
      },
    });
    new Gauge({
      name: 'privacy_reveals_today',
      aggregator: 'max',
      help: 'Reveals (revealField, granted) today, all callers together.',
      registers: [registry],
      async collect() {
        const now = await state();
        if (now) this.set(now.reveals);
      },
    });
    new Gauge({
      name: 'privacy_reveal_callers_today',
      aggregator: 'max',
      help: 'Callers who revealed at least one value today.',
      registers: [registry],
      async collect() {
        const now = await state();
        if (now) this.set(now.callers);
      },
    });
  }

  /** The gauges collect together during a scrape: they share the reads in flight. */
  private read(): Promise<RevealState | undefined> {
    this.reading ??= (async () => {
      const { day } = quotaDay(new Date(), this.settings.timeZone);
      const [top, totals] = await Promise.all([
        topRevealers(this.ds, day, this.settings.metricTopCallers),
        revealTotals(this.ds, day),
      ]);
      return { top, ...totals };
    })()
      // A scrape must not fail because the database is unreachable: the gauges keep their last values.
      .catch(() => undefined)
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }
}
