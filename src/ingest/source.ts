import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { pipeline, Readable, Transform, TransformCallback } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { CsvError, parse } from 'csv-parse';
import iconv from 'iconv-lite';
import type { KindSpec } from './kind';

export type FileFormat = 'csv' | 'ndjson';
export type FileEncoding = 'utf8' | 'gb18030';

/** A problem with the command or the file found before any database work: one line, naming it. */
export class LoadInputError extends Error {
  override name = 'LoadInputError';
}

/** One record of a file: its number (1 = the first after a CSV header) and its fields, or why it has none. */
export interface SourceRecord {
  rowNo: number;
  raw?: Record<string, unknown>;
  problem?: string;
}

export function formatOf(file: string, format?: string): FileFormat {
  if (format === undefined) return ['.ndjson', '.jsonl'].includes(extname(file).toLowerCase()) ? 'ndjson' : 'csv';
  if (format === 'csv' || format === 'ndjson') return format;
  throw new LoadInputError(`unknown format "${format}" (csv or ndjson)`);
}

export function encodingOf(encoding: string | undefined, format: FileFormat): FileEncoding {
  const value = (encoding ?? 'utf8').toLowerCase().replace('-', '');
  if (value !== 'utf8' && value !== 'gb18030')
    throw new LoadInputError(`unknown encoding "${encoding}" (utf8 or gb18030)`);
  if (value === 'gb18030' && format !== 'csv')
    throw new LoadInputError('gb18030 is accepted for CSV only; NDJSON is UTF-8');
  return value;
}

/** The file's size in bytes; a missing or unreadable file is a LoadInputError. */
export async function fileSize(file: string): Promise<number> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new LoadInputError(`${file}: not a file`);
    return info.size;
  } catch (error) {
    if (error instanceof LoadInputError) throw error;
    throw new LoadInputError(`${file}: no such file or not readable`);
  }
}

/** How much of a file is looked at for its encoding: enough for thousands of rows. */
const ENCODING_SNIFF_BYTES = 64 * 1024;

/**
 * Refuses a file meant to be UTF-8 whose first bytes are not (most often a
 * GB18030 export given without --encoding): read as UTF-8 its Chinese names
 * and addresses would become U+FFFD. Invalid bytes further on make their
 * rows rejected instead (fields.ts).
 */
export async function checkUtf8(file: string): Promise<void> {
  const handle = await open(file, 'r');
  let head: Buffer;
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(ENCODING_SNIFF_BYTES), 0, ENCODING_SNIFF_BYTES, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  try {
    // stream: a character cut by the end of what was read is not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
  } catch {
    throw new LoadInputError(`${file}: not UTF-8 (for GB18030, add --encoding gb18030)`);
  }
}

/**
 * Refuses a CSV header that is not the kind's (a missing required column, a
 * column the kind does not have, one named twice), or an NDJSON file whose
 * first object has fields the kind does not have: most likely the wrong kind
 * or the wrong file, caught before the database is opened.
 */
export function checkColumns(spec: KindSpec, file: string, names: readonly string[], format: FileFormat): void {
  const known = new Set(spec.columns.map((c) => c.name));
  const seen = new Set<string>();
  for (const name of names) {
    if (!known.has(name)) {
      throw new LoadInputError(
        `${file}: unknown column "${name}" for ${spec.name} (columns: ${spec.columns.map((c) => c.name).join(', ')})`,
      );
    }
    if (seen.has(name)) throw new LoadInputError(`${file}: column "${name}" appears twice`);
    seen.add(name);
  }
  if (format === 'csv') {
    const missing = spec.columns.filter((c) => c.required && !seen.has(c.name)).map((c) => c.name);
    if (missing.length > 0) {
      throw new LoadInputError(
        `${file}: missing required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
      );
    }
  }
}

/** Streams chained so that an error anywhere destroys the last one with it. */
function chain(first: Readable, ...rest: NodeJS.ReadWriteStream[]): Readable {
  return rest.length === 0 ? first : (pipeline(first, ...(rest as [Transform]), () => undefined) as Readable);
}

function decodedStreams(file: string, encoding: FileEncoding, onBytes?: (n: number) => void) {
  const bytes = createReadStream(file, { highWaterMark: 1 << 20 });
  if (onBytes) bytes.on('data', (chunk) => onBytes(chunk.length));
  return { bytes, decoders: encoding === 'gb18030' ? [iconv.decodeStream('gb18030')] : [] };
}

/**
 * What went wrong reading the file, fit to print: csv-parse's messages quote
 * the offending text; ours keeps to where and what.
 */
export function sourceProblem(file: string, error: unknown): Error {
  if (error instanceof CsvError) {
    const line = (error as CsvError & { lines?: number }).lines;
    return new LoadInputError(`${file}: malformed CSV${line ? ` at line ${line}` : ''} (${error.code})`);
  }
  return error as Error;
}

/**
 * The longest record read, in characters: a row of any kind fits in a few
 * kilobytes, and a longer one is a broken file (an unclosed quote, line
 * endings of another system) that would otherwise be held whole in memory.
 */
const MAX_RECORD_CHARS = 1 << 20;

function csvParser() {
  return parse({ bom: true, relax_column_count: true, skip_empty_lines: true, max_record_size: MAX_RECORD_CHARS });
}

/** The header of a CSV file, or the field names of an NDJSON file's first object. */
export async function readColumnNames(file: string, format: FileFormat, encoding: FileEncoding): Promise<string[]> {
  const { bytes, decoders } = decodedStreams(file, encoding);
  const records = chain(bytes, ...decoders, format === 'csv' ? csvParser() : new NdjsonRecords());
  try {
    for await (const record of records) {
      if (format === 'csv') return (record as string[]).map((name) => name.trim());
      const { raw, problem } = record as SourceRecord;
      if (!raw) throw new LoadInputError(`${file}: the first line is unreadable (${problem})`);
      return Object.keys(raw);
    }
    if (format === 'csv') throw new LoadInputError(`${file}: empty (a CSV file starts with a header row)`);
    return [];
  } catch (error) {
    throw sourceProblem(file, error);
  } finally {
    bytes.destroy();
    records.destroy();
  }
}

/** CSV records by the header's names; a record with another number of fields is a problem, not a row. */
class CsvRecords extends Transform {
  private header: string[] | null = null;
  private rowNo = 0;

  constructor() {
    super({ objectMode: true });
  }

  override _transform(fields: string[], _encoding: BufferEncoding, done: TransformCallback): void {
    if (!this.header) {
      this.header = fields.map((name) => name.trim());
      return done();
    }
    const rowNo = ++this.rowNo;
    const header = this.header;
    if (fields.length !== header.length) {
      return done(null, { rowNo, problem: `row: has ${fields.length} fields, the header has ${header.length}` });
    }
    const raw: Record<string, unknown> = {};
    for (let i = 0; i < header.length; i++) raw[header[i]] = fields[i];
    done(null, { rowNo, raw });
  }
}

/**
 * One JSON object per line; blank lines are skipped, a line that is not an
 * object is a problem, and so is a line longer than MAX_RECORD_CHARS, which
 * is passed over rather than held. Each chunk is scanned once.
 */
class NdjsonRecords extends Transform {
  private readonly decoder = new StringDecoder('utf8');
  /** The line read so far, in pieces; empty while passing over one too long. */
  private pending: string[] = [];
  private pendingLength = 0;
  private tooLong = false;
  private rowNo = 0;
  private first = true;

  constructor() {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.splitLines(this.decoder.write(chunk));
    done();
  }

  override _flush(done: TransformCallback): void {
    this.splitLines(this.decoder.end());
    this.endLine();
    done();
  }

  private splitLines(text: string): void {
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      this.append(text.slice(start, end));
      this.endLine();
      start = end + 1;
    }
    this.append(text.slice(start));
  }

  private append(piece: string): void {
    if (this.tooLong || piece.length === 0) return;
    this.pendingLength += piece.length;
    if (this.pendingLength > MAX_RECORD_CHARS) {
      this.tooLong = true;
      this.pending = [];
    } else {
      this.pending.push(piece);
    }
  }

  private endLine(): void {
    if (this.tooLong) {
      this.push({ rowNo: ++this.rowNo, problem: 'row: longer than 1 MiB' });
      this.first = false;
    } else {
      this.line(this.pending.join(''));
    }
    this.pending = [];
    this.pendingLength = 0;
    this.tooLong = false;
  }

  private line(text: string): void {
    if (this.first) {
      text = text.replace(/^\uFEFF/, '');
      this.first = false;
    }
    if (text.trim() === '') return;
    const rowNo = ++this.rowNo;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.push({ rowNo, problem: 'row: not a JSON object' });
    } else {
      this.push({ rowNo, raw: value as Record<string, unknown> });
    }
  }
}

/**
 * The file's records, decoded (UTF-8, or GB18030 for CSV from older
 * systems) and parsed (CSV with a header row, or NDJSON). A malformed CSV
 * (an unclosed quote) fails the stream (sourceProblem describes it).
 */
export function openRecords(
  file: string,
  format: FileFormat,
  encoding: FileEncoding,
  onBytes?: (n: number) => void,
): Readable {
  const { bytes, decoders } = decodedStreams(file, encoding, onBytes);
  return format === 'ndjson'
    ? chain(bytes, ...decoders, new NdjsonRecords())
    : chain(bytes, ...decoders, csvParser(), new CsvRecords());
}
