import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import iconv from 'iconv-lite';
import { prepareLoad } from '../../src/ingest/load-file';
import { describeFailure } from '../../src/ingest/describe-failure';
import { progressDisplay } from '../../src/ingest/progress';
import { LoadInputError, openRecords, SourceRecord, sourceProblem } from '../../src/ingest/source';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'c360-file-checks-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => 'accepted',
    (error: Error) => `${error instanceof LoadInputError ? '' : 'not a LoadInputError: '}${error.message}`,
  );

describe('before any database work, a load refuses', () => {
  it('a missing file, an unknown format, and GB18030 for NDJSON', async () => {
    const missing = join(dir, 'nope.csv');
    expect(await refusal(prepareLoad({ kind: 'products', file: missing }))).toBe(
      `${missing}: no such file or not readable`,
    );
    const csv = await file('p.csv', 'code,name,type,risk_level\n');
    expect(await refusal(prepareLoad({ kind: 'products', file: csv, format: 'xlsx' }))).toBe(
      'unknown format "xlsx" (csv or ndjson)',
    );
    const ndjson = await file('p.ndjson', '{"code":"P"}\n');
    expect(await refusal(prepareLoad({ kind: 'products', file: ndjson, encoding: 'gb18030' }))).toBe(
      'gb18030 is accepted for CSV only; NDJSON is UTF-8',
    );
  });

  it('a CSV header with an unknown column, a column twice, or without a required column', async () => {
    const cases: [string, string][] = [
      [
        'code,name,type,risk_level,colour',
        'unknown column "colour" for products (columns: code, name, type, risk_level)',
      ],
      ['code,name,type,risk_level,name', 'column "name" appears twice'],
      ['code,name', 'missing required columns type, risk_level'],
      ['', 'empty (a CSV file starts with a header row)'],
    ];
    for (const [header, problem] of cases) {
      const path = await file('h.csv', header ? `${header}\nP1,x,FUND,R1\n` : '');
      expect(await refusal(prepareLoad({ kind: 'products', file: path }))).toBe(`${path}: ${problem}`);
    }
  });

  it('an NDJSON file whose first object names a field no column has (but not one missing a value)', async () => {
    const unknown = await file('u.ndjson', '{"code":"P1","colour":"red"}\n');
    expect(await refusal(prepareLoad({ kind: 'products', file: unknown }))).toBe(
      `${unknown}: unknown column "colour" for products (columns: code, name, type, risk_level)`,
    );
    const partial = await file('ok.ndjson', '{"code":"P1"}\n');
    expect(await refusal(prepareLoad({ kind: 'products', file: partial }))).toBe('accepted');
  });

  it('a file that is not UTF-8 read as UTF-8 (GB18030 without --encoding): its names would be stored as U+FFFD', async () => {
    const gb = await file(
      'gb-as-utf8.csv',
      iconv.encode('code,name,type,risk_level\nP1,稳健理财,FUND,R2\n', 'gb18030'),
    );
    expect(await refusal(prepareLoad({ kind: 'products', file: gb }))).toBe(
      `${gb}: not UTF-8 (for GB18030, add --encoding gb18030)`,
    );
    // A character cut by the end of the bytes looked at is no error.
    const long = await file('long.csv', `code,name,type,risk_level\n${'P1,稳健理财,FUND,R2\n'.repeat(10_000)}`);
    expect(await refusal(prepareLoad({ kind: 'products', file: long }))).toBe('accepted');
  });

  it('accepts a header after a UTF-8 byte-order mark, and a GB18030 header', async () => {
    const bom = await file('bom.csv', '\uFEFFcode,name,type,risk_level\n');
    expect(await prepareLoad({ kind: 'products', file: bom })).toMatchObject({ format: 'csv', encoding: 'utf8' });
    const gb = await file('gb.csv', iconv.encode('code,name,type,risk_level\nP1,稳健理财,FUND,R2\n', 'gb18030'));
    expect(await prepareLoad({ kind: 'products', file: gb, encoding: 'GB18030' })).toMatchObject({
      encoding: 'gb18030',
      reportPath: `${gb}.rejects.csv`,
    });
  });
});

describe('reading records', () => {
  const read = async (path: string) => {
    const records: SourceRecord[] = [];
    for await (const record of openRecords(path, 'csv', 'utf8')) records.push(record);
    return records;
  };

  it('numbers CSV records from 1 after the header, and turns a record of the wrong width into a problem', async () => {
    const path = await file('r.csv', 'code,name\nP1,"a, quoted\nname"\n\nP2\n');
    expect(await read(path)).toEqual([
      { rowNo: 1, raw: { code: 'P1', name: 'a, quoted\nname' } },
      { rowNo: 2, problem: 'row: has 1 fields, the header has 2' },
    ]);
  });

  it('describes a malformed CSV by line and code, never by the text it choked on', async () => {
    const path = await file('bad.csv', 'code,name\nP1,ok\nP2,"13812345678\n');
    const error = await read(path).then(
      () => undefined,
      (e: unknown) => sourceProblem(path, e),
    );
    expect(error?.message).toMatch(new RegExp(`^${path}: malformed CSV at line \\d+ \\(CSV_\\w+\\)$`));
    expect(error?.message).not.toContain('13812345678');
  });

  it('reads past an NDJSON line longer than 1 MiB as a rejected row without holding it, and fails a CSV record that long', async () => {
    // A file with old Mac line endings (CR only) is one line as long as the file.
    const long = `{"code":"P1","name":"${'x'.repeat(3 << 20)}"}`;
    const ndjson = await file('long.ndjson', `${long}\n{"code":"P2"}\n${long}`);
    const records: SourceRecord[] = [];
    for await (const record of openRecords(ndjson, 'ndjson', 'utf8')) records.push(record);
    expect(records).toEqual([
      { rowNo: 1, problem: 'row: longer than 1 MiB' },
      { rowNo: 2, raw: { code: 'P2' } },
      { rowNo: 3, problem: 'row: longer than 1 MiB' },
    ]);

    const csv = await file('long.csv', `code,name\nP1,"${'x'.repeat(3 << 20)}\n`);
    const error = await read(csv).then(
      () => undefined,
      (e: unknown) => sourceProblem(csv, e),
    );
    expect(error?.message).toBe(`${csv}: malformed CSV at line 2 (CSV_MAX_RECORD_SIZE)`);
  });
});

describe('progress', () => {
  it('draws a bar with rows and rows per second on a terminal, and nothing elsewhere', () => {
    const terminal = Object.assign(new PassThrough(), {
      isTTY: true,
      columns: 120,
      cursorTo: () => true,
      clearLine: () => true,
      moveCursor: () => true,
    });
    let drawn = '';
    terminal.on('data', (chunk) => (drawn += chunk));
    const bar = progressDisplay('holdings', terminal as unknown as NodeJS.WriteStream);
    bar.onProgress({ phase: 'reading', rowsRead: 20_000, bytesRead: 500, totalBytes: 1000 });
    bar.stop();
    expect(drawn).toMatch(/holdings \[.*\] 50% \| 20000 rows \| \d+ rows\/s \| reading/);

    const pipe = Object.assign(new PassThrough(), { isTTY: false });
    let written = '';
    pipe.on('data', (chunk) => (written += chunk));
    const none = progressDisplay('holdings', pipe as unknown as NodeJS.WriteStream);
    none.onProgress({ phase: 'reading', rowsRead: 20_000, bytesRead: 500, totalBytes: 1000 });
    none.stop();
    expect(written).toBe('');
  });
});

describe('describeFailure', () => {
  it('names a database error by SQLSTATE and constraint, never by the driver message that may quote a value', () => {
    const driverError = Object.assign(new Error('duplicate key value violates unique constraint: (13812345678)'), {
      severity: 'ERROR',
      code: '23505',
      constraint: 'customer_id_type_id_number_key',
      detail: 'Key (id_type, id_number)=(RESIDENT_ID, 110105198506150017) already exists.',
    });
    expect(describeFailure(driverError)).toBe(
      'the database refused the load (SQLSTATE 23505, constraint customer_id_type_id_number_key); nothing was written',
    );
    expect(describeFailure(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(
      'could not reach the database, or lost it (ECONNRESET); nothing was written',
    );
    expect(describeFailure(new LoadInputError('f.csv: malformed CSV at line 3 (CSV_QUOTE_NOT_CLOSED)'))).toBe(
      'f.csv: malformed CSV at line 3 (CSV_QUOTE_NOT_CLOSED)',
    );
  });
});
