import { loadConfig } from '../../src/config';
import { capPeriod, capReached, nextReset, remainingContacts } from '../../src/modules/interaction/contact-caps';

const SHANGHAI = 'Asia/Shanghai';
const caps = loadConfig({}).contactCaps;

describe('the calendar day and month a contact counts in', () => {
  it("is Shanghai's: 23:59 in Shanghai is still that day, though UTC is at 15:59 of the same date", () => {
    expect(capPeriod(new Date('2026-03-10T15:59:00Z'), SHANGHAI)).toEqual({
      day: '2026-03-10',
      nextDay: '2026-03-11',
      month: '2026-03-01',
      nextMonth: '2026-04-01',
    });
  });

  it("moves to the next day at Shanghai's midnight, while the UTC date is still the previous one", () => {
    expect(capPeriod(new Date('2026-03-10T16:00:00Z'), SHANGHAI).day).toBe('2026-03-11');
    expect(capPeriod(new Date('2026-03-10T23:59:59Z'), SHANGHAI).day).toBe('2026-03-11');
  });

  it("moves to the next month at Shanghai's midnight on the first, although UTC is still in the last day of the month before", () => {
    const lastMinute = capPeriod(new Date('2026-04-30T15:59:59Z'), SHANGHAI);
    expect([lastMinute.day, lastMinute.month, lastMinute.nextMonth]).toEqual([
      '2026-04-30',
      '2026-04-01',
      '2026-05-01',
    ]);
    const firstMinute = capPeriod(new Date('2026-04-30T16:00:00Z'), SHANGHAI);
    expect([firstMinute.day, firstMinute.month, firstMinute.nextMonth]).toEqual([
      '2026-05-01',
      '2026-05-01',
      '2026-06-01',
    ]);
  });

  it('crosses into the next year in December, and knows a leap day', () => {
    expect(capPeriod(new Date('2026-12-31T16:00:00Z'), SHANGHAI)).toEqual({
      day: '2027-01-01',
      nextDay: '2027-01-02',
      month: '2027-01-01',
      nextMonth: '2027-02-01',
    });
    const december = capPeriod(new Date('2026-12-31T15:00:00Z'), SHANGHAI);
    expect([december.nextDay, december.nextMonth]).toEqual(['2027-01-01', '2027-01-01']);
    expect(capPeriod(new Date('2028-02-28T16:30:00Z'), SHANGHAI)).toMatchObject({
      day: '2028-02-29',
      nextDay: '2028-03-01',
    });
  });

  it('follows the configured zone, not the server’s', () => {
    // The same instant is still 10 March in New York.
    expect(capPeriod(new Date('2026-03-10T16:00:00Z'), 'America/New_York').day).toBe('2026-03-10');
  });
});

describe('the caps', () => {
  it('default to one contact a day and, per month, 6 for PRIVATE_BANKING, 4 for WEALTH and 2 for MASS and POTENTIAL', () => {
    expect(caps.daily).toBe(1);
    expect(caps.monthly).toEqual({ PRIVATE_BANKING: 6, WEALTH: 4, MASS: 2, POTENTIAL: 2 });
    expect(caps.timeZone).toBe(SHANGHAI);
  });

  it('are configured, and refuse a negative cap', () => {
    const configured = loadConfig({ CONTACT_CAP_DAILY: '2', CONTACT_CAP_MONTHLY_WEALTH: '8' }).contactCaps;
    expect([configured.daily, configured.monthly.WEALTH]).toEqual([2, 8]);
    expect(() => loadConfig({ CONTACT_CAP_MONTHLY_MASS: '-1' })).toThrow(/CONTACT_CAP_MONTHLY_MASS/);
  });

  it("leave today's contacts bounded by the day's cap and by what the month has left", () => {
    expect(remainingContacts(caps, 'WEALTH', { today: 0, thisMonth: 0 })).toEqual({ today: 1, thisMonth: 4 });
    expect(remainingContacts(caps, 'WEALTH', { today: 1, thisMonth: 1 })).toEqual({ today: 0, thisMonth: 3 });
    expect(remainingContacts(caps, 'MASS', { today: 0, thisMonth: 2 })).toEqual({ today: 0, thisMonth: 0 });
    const generousDay = { ...caps, daily: 5 };
    expect(remainingContacts(generousDay, 'PRIVATE_BANKING', { today: 1, thisMonth: 4 })).toEqual({
      today: 2,
      thisMonth: 2,
    });
  });

  it('never go below zero when contacts were counted beyond a cap (one loaded from the bank, or a lowered cap)', () => {
    expect(remainingContacts(caps, 'POTENTIAL', { today: 3, thisMonth: 5 })).toEqual({ today: 0, thisMonth: 0 });
  });

  it('are reached when no contact is left today, whichever cap is used up', () => {
    expect(capReached(caps, 'PRIVATE_BANKING', { today: 0, thisMonth: 5 })).toBe(false);
    expect(capReached(caps, 'PRIVATE_BANKING', { today: 1, thisMonth: 1 })).toBe(true);
    expect(capReached(caps, 'PRIVATE_BANKING', { today: 0, thisMonth: 6 })).toBe(true);
    expect(capReached(caps, 'MASS', { today: 0, thisMonth: 2 })).toBe(true);
  });

  it('give no contact to a tier they do not name, rather than unlimited ones', () => {
    expect(remainingContacts(caps, 'UNKNOWN_TIER', { today: 0, thisMonth: 0 })).toEqual({ today: 0, thisMonth: 0 });
  });

  it("reset the next day, or the next month once the month's contacts are used up", () => {
    const resets = { nextDay: 'tomorrow', nextMonth: 'next month' };
    expect(nextReset({ today: 0, thisMonth: 3 }, resets)).toBe('tomorrow');
    expect(nextReset({ today: 1, thisMonth: 3 }, resets)).toBe('tomorrow');
    expect(nextReset({ today: 0, thisMonth: 0 }, resets)).toBe('next month');
  });
});
