import { isUUID } from 'class-validator';

/**
 * Decoders for the sort keys inside cursors. A cursor is client input: each
 * decoder accepts only the exact shape its list encodes, so a forged cursor
 * becomes BAD_USER_INPUT instead of a SQL cast error.
 */
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function dateAndId(parts: unknown[]): [string, string] | undefined {
  const [date, id] = parts;
  return parts.length === 2 && typeof date === 'string' && DATE.test(date) && typeof id === 'string' && isUUID(id)
    ? [date, id]
    : undefined;
}

export function instantAndId(parts: unknown[]): [string, string] | undefined {
  const [instant, id] = parts;
  return parts.length === 2 &&
    typeof instant === 'string' &&
    !Number.isNaN(Date.parse(instant)) &&
    typeof id === 'string' &&
    isUUID(id)
    ? [instant, id]
    : undefined;
}

export function instantAndSerial(parts: unknown[]): [string, string] | undefined {
  const [instant, id] = parts;
  return parts.length === 2 &&
    typeof instant === 'string' &&
    !Number.isNaN(Date.parse(instant)) &&
    typeof id === 'string' &&
    /^\d{1,19}$/.test(id)
    ? [instant, id]
    : undefined;
}
