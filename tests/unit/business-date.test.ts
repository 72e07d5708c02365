import fc from 'fast-check';
import { businessToday } from '../../src/common/business-date';

/** The date as Intl formats it afresh, with no cache: what businessToday must always answer. */
const formatted = (timeZone: string, at: Date) =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);

describe('businessToday', () => {
  it('turns at midnight in the zone, not in UTC (Asia/Shanghai: 16:00Z)', () => {
    expect(businessToday('Asia/Shanghai', new Date('2026-12-01T15:59:59.999Z'))).toBe('2026-12-01');
    expect(businessToday('Asia/Shanghai', new Date('2026-12-01T16:00:00.000Z'))).toBe('2026-12-02');
    // Asked again about an earlier instant after a later one: the kept day does not answer for it.
    expect(businessToday('Asia/Shanghai', new Date('2026-12-01T15:59:59.999Z'))).toBe('2026-12-01');
  });

  it('keeps a 23-hour day whole where the clocks go forward (America/New_York, 2026-03-08)', () => {
    expect(businessToday('America/New_York', new Date('2026-03-08T05:00:00.000Z'))).toBe('2026-03-08');
    expect(businessToday('America/New_York', new Date('2026-03-09T03:59:59.999Z'))).toBe('2026-03-08');
    expect(businessToday('America/New_York', new Date('2026-03-09T04:00:00.000Z'))).toBe('2026-03-09');
  });

  it('answers what Intl formats for any instant, in any order, in several zones', () => {
    const zones = ['Asia/Shanghai', 'America/New_York', 'Europe/London', 'Pacific/Chatham', 'UTC'];
    const instant = fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2060, 0, 1) });
    // Runs of nearby instants as well as far ones: the kept day is reused, then left.
    const near = instant.chain((t) => fc.array(fc.integer({ min: -36e5 * 30, max: 36e5 * 30 }).map((d) => t + d)));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...zones), fc.oneof(near, instant.map((t) => [t])))), (asks) => {
        for (const [zone, instants] of asks)
          for (const t of instants) expect(businessToday(zone, new Date(t))).toBe(formatted(zone, new Date(t)));
      }),
      { numRuns: 300 },
    );
  });
});
