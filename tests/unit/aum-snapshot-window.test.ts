import { derivedMonths } from '../../src/modules/customer/aum-snapshots';

describe('the months whose AUM snapshots are derived from daily balances', () => {
  it('run from the month before the one two churn windows back to the current month', () => {
    // 2026-11-27 minus 180 days is 2026-05-31.
    expect(derivedMonths('2026-11-27', 90)).toEqual([
      '2026-04-01',
      '2026-05-01',
      '2026-06-01',
      '2026-07-01',
      '2026-08-01',
      '2026-09-01',
      '2026-10-01',
      '2026-11-01',
    ]);
  });

  it('cross into the year before', () => {
    // 2026-01-31 minus 20 days is 2026-01-11.
    expect(derivedMonths('2026-01-31', 10)).toEqual(['2025-12-01', '2026-01-01']);
    // 2026-02-10 minus 60 days is 2025-12-12.
    expect(derivedMonths('2026-02-10', 30)).toEqual(['2025-11-01', '2025-12-01', '2026-01-01', '2026-02-01']);
  });
});
