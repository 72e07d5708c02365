import { z } from 'zod';
import { dateProblem, moneyProblem, occurredAtProblem, timeProblem } from '../common/input-bounds';

/**
 * The value rules a loaded row is held to, per column type: PRODUCT.md §4's
 * bounds (money, dates, times of things that happened) through the same
 * functions the API's scalars use, and the formats the database's CHECK
 * constraints would otherwise refuse in the middle of a load. Messages name
 * the rule and never echo the value (it may be personal data).
 *
 * Values arrive as text (CSV) or JSON values (NDJSON, change events); an
 * empty cell, a JSON null and a missing field are all "absent" and have been
 * turned into undefined before these run (see validate.ts).
 */

type Issue = { input?: unknown };
/** A missing value is "required"; anything else of the wrong type gets `what`. */
const expecting = (what: string) => ({ error: (issue: Issue) => (issue.input === undefined ? 'is required' : what) });

/** A string held to a rule that returns what is wrong, if anything. */
function ruled(what: string, problemOf: (value: string) => string | undefined) {
  return z.string(expecting(what)).superRefine((value, ctx) => {
    const problem = problemOf(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: value });
  });
}

/**
 * What PostgreSQL's text cannot hold (NUL) or UTF-8 cannot encode (a lone
 * surrogate), which would fail the whole load, and U+FFFD, which a decoder
 * puts where bytes were not of the file's encoding: the text was lost.
 */
const UNSTORABLE = /[\u0000\p{Cs}\uFFFD]/u;

export function text(maxLength: number) {
  return ruled('must be text', (value) =>
    value.length > maxLength
      ? `must be at most ${maxLength} characters`
      : UNSTORABLE.test(value)
        ? 'must not contain NUL or malformed Unicode'
        : undefined,
  );
}

const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Codes and numbers of the bank's systems (customer numbers, product codes, account numbers...). */
export function identifier(maxLength: number) {
  return ruled('must be text', (value) =>
    value.length <= maxLength && IDENTIFIER.test(value)
      ? undefined
      : `must be 1 to ${maxLength} letters, digits, '_', '-' or '.'`,
  );
}

export function oneOf<const E extends Record<string, string>>(values: E) {
  return z.enum(values, expecting(`must be one of ${Object.values(values).join(', ')}`));
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The canonical lower-case form, as tokens' `sub` is compared (PRODUCT.md §2). */
export const uuid = ruled('must be a UUID', (value) => (UUID.test(value) ? undefined : 'must be a UUID')).transform(
  (value) => value.toLowerCase(),
);

/** Non-negative, at most 12 integer digits and 2 decimals: the API's Decimal input. */
export const money = ruled('must be an amount as text, such as "1234.50"', moneyProblem);

const RATE = /^\d{1,12}(\.\d{1,6})?$/;
/** CNY per unit of a currency: numeric(18,6), above zero. */
export const rate = ruled('must be a rate as text, such as "7.182300"', (value) =>
  RATE.test(value) && /[1-9]/.test(value) ? undefined : 'must be a rate above 0 with at most 6 decimals',
);

/** A confidence from 0 to 1 with at most 3 decimals (numeric(4,3)); a JSON number or text. */
export const confidence = z
  .union([z.number(), z.string()], expecting('must be a number from 0 to 1'))
  .transform((value) => String(value))
  .superRefine((value, ctx) => {
    if (!/^(0(\.\d{1,3})?|1(\.0{1,3})?)$/.test(value)) {
      ctx.addIssue({ code: 'custom', message: 'must be a number from 0 to 1 with at most 3 decimals', input: value });
    }
  });

export const bool = z
  .union([z.boolean(), z.literal('true'), z.literal('false')], expecting('must be true or false'))
  .transform((value) => value === true || value === 'true');

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** JavaScript's Date rolls 2026-02-30 over to March; a row must not. */
function isCalendarDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= DAYS_IN_MONTH[month - 1] + (leap ? 1 : 0);
}

export function calendarDateProblem(value: string): string | undefined {
  const m = ISO_DATE.exec(value);
  if (!m || !isCalendarDay(Number(m[1]), Number(m[2]), Number(m[3]))) return 'must be a real date, YYYY-MM-DD';
  return dateProblem(value);
}

/** A calendar date, YYYY-MM-DD, from 1900-01-01 to 2100-12-31. */
export const date = ruled('must be a date as text, YYYY-MM-DD', calendarDateProblem);

/**
 * ISO-8601 with an offset (a time without one names no instant): `T` or a
 * space between date and time, seconds and fractions optional.
 */
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):?(\d{2})?)$/;

/** The instant in ms since the epoch, or NaN when the text is not a real time with an offset. */
export function instantOf(value: string): number {
  const m = INSTANT.exec(value);
  if (!m) return NaN;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (!isCalendarDay(year, month, day) || hour > 23 || minute > 59 || second > 59) return NaN;
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  const offsetMinutes = m[8] === 'Z' ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11] ?? 0));
  if (Math.abs(offsetMinutes) > 18 * 60) return NaN;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * 60_000;
}

const NOT_AN_INSTANT = 'must be a time with an offset, such as 2026-11-27T10:00:00+08:00';

/** Kept to the millisecond, in UTC: the same instant written with another offset is the same value (and key). */
function instantField(problemOf: (time: Date) => string | undefined) {
  return z.string(expecting(NOT_AN_INSTANT)).transform((value, ctx) => {
    const time = instantOf(value);
    const problem = Number.isNaN(time) ? NOT_AN_INSTANT : problemOf(new Date(time));
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem, input: value });
      return z.NEVER;
    }
    return new Date(time).toISOString();
  });
}

/** A time from 1900 to 2100. */
export const instant = instantField(timeProblem);
/** When something happened: from 1900 to five minutes from now, as the API's occurredAt. */
export const occurredAt = instantField((time) => occurredAtProblem(time));

/** The database's CHECK and registerLead's rule: 11-digit mainland mobile number, without +86. */
export const phone = ruled('must be text', (value) =>
  /^1[3-9]\d{9}$/.test(value) ? undefined : 'must be an 11-digit mainland mobile number without +86',
);

export const email = ruled('must be text', (value) =>
  value.length <= 254 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value) && !UNSTORABLE.test(value)
    ? undefined
    : 'must be an email address',
);

/** ISO 4217 code, as the CHECK on holdings and rates. */
export const currency = ruled('must be text', (value) =>
  /^[A-Z]{3}$/.test(value) ? undefined : 'must be a 3-letter currency code such as CNY',
);
