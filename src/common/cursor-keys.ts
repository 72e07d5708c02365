import { isUUID } from 'class-validator';

/**
 * Decoders for the sort keys inside cursors. A cursor is client input: each
 * decoder accepts only the exact shape its list encodes, so a forged cursor
 * becomes BAD_USER_INPUT instead of a SQL cast error.
 */
type Check = (value: string) => boolean;

// Only values that round-trip, in the exact form the server writes: PostgreSQL
// refuses more than Date.parse does (2024-02-30, bare years, year +275760, year 0000).
const isDate: Check = (v) =>
  /^\d{4}-\d{2}-\d{2}$/.test(v) && !v.startsWith('0000') && isoOf(`${v}T00:00:00Z`)?.startsWith(v) === true;
const isInstant: Check = (v) =>
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(v) && !v.startsWith('0000') && isoOf(v) === v;

/** The ISO form of a time, or undefined for one that does not exist (month 13): toISOString would throw. */
function isoOf(text: string): string | undefined {
  const time = new Date(text);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}
const isSerial: Check = (v) => /^\d{1,19}$/.test(v) && BigInt(v) <= 9223372036854775807n;
const isId: Check = (v) => isUUID(v);

/** A decoder for a cursor of two strings, [sort value, tie-breaking id]. */
function pair(first: Check, second: Check) {
  return (parts: unknown[]): [string, string] | undefined => {
    const [a, b] = parts;
    return parts.length === 2 && typeof a === 'string' && typeof b === 'string' && first(a) && second(b)
      ? [a, b]
      : undefined;
  };
}

export const dateAndId = pair(isDate, isId);
export const instantAndId = pair(isInstant, isId);
export const instantAndSerial = pair(isInstant, isSerial);
