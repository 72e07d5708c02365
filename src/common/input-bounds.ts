/**
 * The bounds of PRODUCT.md §4 on what clients send, in one place: anything
 * outside is BAD_USER_INPUT naming the field, before the database is touched.
 * The scalars apply the money and calendar bounds to every input of their
 * type; `occurredAtProblem` adds the "not in the future" bound for times of
 * things that happened.
 */
export const MONEY_INPUT_MAX = '999999999999.99';
export const DATE_INPUT_MIN = '1900-01-01';
export const DATE_INPUT_MAX = '2100-12-31';
/** Clocks drift: an event may be stamped a little after the server's now. */
export const OCCURRED_AT_FUTURE_TOLERANCE_MS = 5 * 60_000;

const TIME_INPUT_MIN = Date.parse(`${DATE_INPUT_MIN}T00:00:00Z`);
const TIME_INPUT_END = Date.parse(`${DATE_INPUT_MAX}T00:00:00Z`) + 86_400_000;

/** Non-negative, at most 12 integer digits (so at most MONEY_INPUT_MAX), at most 2 decimals. */
const MONEY_INPUT = /^\d{1,12}(\.\d{1,2})?$/;

export function moneyProblem(value: string): string | undefined {
  return MONEY_INPUT.test(value) ? undefined : `must be an amount from 0.00 to ${MONEY_INPUT_MAX}, such as "1234.50"`;
}

/** `value` is already a valid YYYY-MM-DD date; ISO dates compare as text. */
export function dateProblem(value: string): string | undefined {
  return value >= DATE_INPUT_MIN && value <= DATE_INPUT_MAX
    ? undefined
    : `must be a date from ${DATE_INPUT_MIN} to ${DATE_INPUT_MAX}`;
}

export function timeProblem(value: Date): string | undefined {
  const time = value.getTime();
  return time >= TIME_INPUT_MIN && time < TIME_INPUT_END
    ? undefined
    : `must be a time from ${DATE_INPUT_MIN} to ${DATE_INPUT_MAX}`;
}

/** When something happened: not before 1900, and not later than a few minutes after `now`. */
export function occurredAtProblem(value: Date, now = Date.now()): string | undefined {
  const time = value.getTime();
  return time >= TIME_INPUT_MIN && time <= now + OCCURRED_AT_FUTURE_TOLERANCE_MS
    ? undefined
    : `must be a time from ${DATE_INPUT_MIN} to five minutes from now`;
}

/** Free text a person writes about a customer (a follow-up's note): long enough for a call summary, no longer. */
export const NOTE_MAX_LENGTH = 1000;

/** Counted in characters (code points), as PostgreSQL's char_length counts what the CHECK holds to. */
export function noteProblem(value: string): string | undefined {
  return [...value].length <= NOTE_MAX_LENGTH ? undefined : `must be at most ${NOTE_MAX_LENGTH} characters`;
}

/** A campaign's message on one channel (an SMS text, a call script) and its risk disclosure. */
export const CAMPAIGN_TEXT_MAX_LENGTH = 2000;
