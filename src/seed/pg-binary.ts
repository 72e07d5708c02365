/**
 * One-dimensional PostgreSQL arrays in the binary wire format (array_recv).
 * node-postgres sends a Buffer parameter as binary, so the server reads
 * 16-byte uuids and 8-byte timestamps instead of parsing text: parsing
 * array literals was a large share of the seed's database time. Values are
 * the strings the generator produces: canonical lower-case UUIDs, ISO-8601
 * UTC instants ('YYYY-MM-DDTHH:MM:SS.sssZ'), 'YYYY-MM-DD' dates.
 */

export type BinaryType = 'uuid' | 'text' | 'timestamptz' | 'date' | 'bool' | 'int4';

const OID: Record<BinaryType, number> = { uuid: 2950, text: 25, timestamptz: 1184, date: 1082, bool: 16, int4: 23 };
const FIXED_SIZE: Partial<Record<BinaryType, number>> = { uuid: 16, timestamptz: 8, date: 4, bool: 1, int4: 4 };

/** PostgreSQL's epoch, 2000-01-01, in Unix milliseconds and days. */
const PG_EPOCH_MS = 946_684_800_000;
const PG_EPOCH_DAYS = 10_957;

const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  NIBBLE[97 + i] = 10 + i;
  NIBBLE[65 + i] = 10 + i;
}

export function encodeArray(type: BinaryType, values: ReadonlyArray<unknown>): Buffer {
  const fixed = FIXED_SIZE[type];
  let size = 20;
  let hasNull = 0;
  for (const value of values) {
    if (value === null || value === undefined) {
      size += 4;
      hasNull = 1;
    } else {
      size += 4 + (fixed ?? Buffer.byteLength(value as string, 'utf8'));
    }
  }
  const buf = Buffer.allocUnsafe(size);
  buf.writeInt32BE(1, 0);
  buf.writeInt32BE(hasNull, 4);
  buf.writeUInt32BE(OID[type], 8);
  buf.writeInt32BE(values.length, 12);
  buf.writeInt32BE(1, 16);
  let at = 20;
  for (const value of values) {
    if (value === null || value === undefined) {
      buf.writeInt32BE(-1, at);
      at += 4;
      continue;
    }
    switch (type) {
      case 'text': {
        const length = buf.write(value as string, at + 4, 'utf8');
        buf.writeInt32BE(length, at);
        at += 4 + length;
        continue;
      }
      case 'uuid':
        buf.writeInt32BE(16, at);
        writeUuid(buf, at + 4, value as string);
        break;
      case 'timestamptz': {
        buf.writeInt32BE(8, at);
        const micros = (parseInstant(value as string) - PG_EPOCH_MS) * 1000;
        const high = Math.floor(micros / 4_294_967_296);
        buf.writeInt32BE(high, at + 4);
        buf.writeUInt32BE(micros - high * 4_294_967_296, at + 8);
        break;
      }
      case 'date':
        buf.writeInt32BE(4, at);
        buf.writeInt32BE(parseDay(value as string) - PG_EPOCH_DAYS, at + 4);
        break;
      case 'bool':
        buf.writeInt32BE(1, at);
        buf[at + 4] = value ? 1 : 0;
        break;
      case 'int4':
        buf.writeInt32BE(4, at);
        buf.writeInt32BE(value as number, at + 4);
        break;
    }
    at += 4 + fixed!;
  }
  return buf;
}

function writeUuid(buf: Buffer, at: number, uuid: string): void {
  if (uuid.length !== 36) throw new Error(`Not a UUID: ${uuid}`);
  let out = at;
  for (let i = 0; i < 36; i++) {
    if (i === 8 || i === 13 || i === 18 || i === 23) continue;
    const hi = NIBBLE[uuid.charCodeAt(i)];
    const lo = NIBBLE[uuid.charCodeAt(++i)];
    if (hi < 0 || lo < 0) throw new Error(`Not a UUID: ${uuid}`);
    buf[out++] = (hi << 4) | lo;
  }
}

function digits(s: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) n = n * 10 + (s.charCodeAt(i) - 48);
  return n;
}

function parseDay(date: string): number {
  return Date.UTC(digits(date, 0, 4), digits(date, 5, 2) - 1, digits(date, 8, 2)) / 86_400_000;
}

/** Exactly the shape Date.toISOString produces; anything else is a generator bug. */
function parseInstant(iso: string): number {
  if (iso.length !== 24 || iso.charCodeAt(23) !== 90 /* Z */) throw new Error(`Not an ISO-8601 UTC instant: ${iso}`);
  return Date.UTC(
    digits(iso, 0, 4),
    digits(iso, 5, 2) - 1,
    digits(iso, 8, 2),
    digits(iso, 11, 2),
    digits(iso, 14, 2),
    digits(iso, 17, 2),
    digits(iso, 20, 3),
  );
}
