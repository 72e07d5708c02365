/**
 * Business dates (ages, day windows, "yesterday") are dates in the bank's
 * zone, not the server's. All date arithmetic here works on 'YYYY-MM-DD'
 * strings so that no local-time conversion can shift a day.
 */
export function businessToday(timeZone: string, now: Date = new Date()): string {
  // en-CA formats as YYYY-MM-DD. Building the formatter is the costly part: keep one per zone.
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, format);
  }
  return format.format(now);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

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
