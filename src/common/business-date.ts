/**
 * Business dates (ages, day windows, "yesterday") are dates in the bank's
 * zone, not the server's. All date arithmetic here works on 'YYYY-MM-DD'
 * strings so that no local-time conversion can shift a day.
 */
export function businessToday(timeZone: string, now: Date = new Date()): string {
  // Every request asks (1% of a 360° view's CPU went to formatting it): the answer is kept for the
  // whole business day it names, from its midnight in the zone to the next one, so it is never stale.
  const at = now.getTime();
  const known = todays.get(timeZone);
  if (known && at >= known.from && at < known.until) return known.date;
  // en-CA formats as YYYY-MM-DD. Building the formatter is the costly part: keep one per zone.
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, format);
  }
  const date = format.format(now);
  const from = startOfBusinessDate(date, timeZone).getTime();
  const until = startOfBusinessDate(addDays(date, 1), timeZone).getTime();
  todays.set(timeZone, { date, from, until });
  return date;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const todays = new Map<string, { date: string; from: number; until: number }>();

/** Whole years from birthDate to onDate, both 'YYYY-MM-DD'. */
export function ageOn(birthDate: string, onDate: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number);
  const [y, m, d] = onDate.split('-').map(Number);
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/** The date `days` after (or before, when negative) a 'YYYY-MM-DD' date. */
export function addDays(date: string, days: number): string {
  const t = Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/**
 * The instant a business date begins in the zone (its midnight there), found
 * from the zone's offset at that moment: a guess at the offset of UTC
 * midnight, corrected once for a zone whose offset changes in between.
 */
export function startOfBusinessDate(date: string, timeZone: string): Date {
  const utcMidnight = Date.parse(`${date}T00:00:00Z`);
  let start = utcMidnight - offsetMs(timeZone, utcMidnight);
  start = utcMidnight - offsetMs(timeZone, start);
  return new Date(start);
}

/** The zone's offset from UTC at an instant, in ms (Asia/Shanghai: +8 h). */
function offsetMs(timeZone: string, at: number): number {
  let format = offsetFormatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    offsetFormatters.set(timeZone, format);
  }
  const name = format.formatToParts(at).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /^GMT([+-])(\d{2}):?(\d{2})?$/.exec(name);
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3] ?? 0);
  return (match[1] === '-' ? -minutes : minutes) * 60_000;
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();
