/**
 * Dates in the generator are whole day numbers (days since 1970-01-01) and
 * instants are epoch milliseconds: integer arithmetic is fast, and nothing
 * depends on the time zone of the machine that runs the seed. Business
 * dates are Asia/Shanghai, which has had no DST since 1991.
 */

const DAY_MS = 86_400_000;
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

export function dayNumber(date: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
    throw new Error(`Not a YYYY-MM-DD date: ${date}`);
  }
  return Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

// Formatting through Date.toISOString dominated generation time; days repeat, so cache them.
const dayStrings = new Map<number, string>();

export function isoDate(day: number): string {
  let text = dayStrings.get(day);
  if (text === undefined) {
    text = new Date(day * DAY_MS).toISOString().slice(0, 10);
    if (dayStrings.size < 200_000) dayStrings.set(day, text);
  }
  return text;
}

/** The instant `secondOfDay` seconds after midnight of `day` in Shanghai. */
export function shanghaiInstant(day: number, secondOfDay: number): number {
  return day * DAY_MS - SHANGHAI_OFFSET_MS + secondOfDay * 1000;
}

/** The Shanghai business day of an instant. */
export function shanghaiDay(instant: number): number {
  return Math.floor((instant + SHANGHAI_OFFSET_MS) / DAY_MS);
}

const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** The same text as Date.toISOString, several times faster. */
export function isoInstant(instant: number): string {
  const day = Math.floor(instant / DAY_MS);
  let rest = instant - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  return `${isoDate(day)}T${PAD2[hours]}:${PAD2[minutes]}:${PAD2[seconds]}.${PAD3[rest - seconds * 1000]}Z`;
}

/** The same calendar day `years` later (29 February falls back to the 28th). */
export function addYears(day: number, years: number): number {
  const d = new Date(day * DAY_MS);
  const target = new Date(Date.UTC(d.getUTCFullYear() + years, d.getUTCMonth(), d.getUTCDate()));
  if (target.getUTCDate() !== d.getUTCDate()) target.setUTCDate(0);
  return Math.round(target.getTime() / DAY_MS);
}

/** First day of the month that is `monthsBack` months before the month of `day`. */
export function monthStart(day: number, monthsBack: number): number {
  const d = new Date(day * DAY_MS);
  return Math.round(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - monthsBack, 1) / DAY_MS);
}
