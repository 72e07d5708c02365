import { isUUID } from 'class-validator';

/**
 * Decoders for the sort keys inside cursors. A cursor is client input: each
 * decoder accepts only the exact shape its list encodes, so a forged cursor
 * becomes BAD_USER_INPUT instead of a SQL cast error.
 */
type Check = (value: string) => boolean;

const isDate: Check = (v) => /^\d{4}-\d{2}-\d{2}$/.test(v);
const isInstant: Check = (v) => !Number.isNaN(Date.parse(v));
const isSerial: Check = (v) => /^\d{1,19}$/.test(v);
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
