/**
 * Loads the bank's own data from files, one transaction per file.
 *   npm run load -- --kind holdings --file holdings.csv [--file more.csv]
 *     [--format csv|ndjson] [--encoding utf8|gb18030] [--report rejects.csv]
 * DATABASE_URL, or the embedded database when unset (as `npm start`).
 * Exit code 0 when every file committed (rejected rows included), 1 when a
 * load failed (nothing of that file was written), 2 for a bad command,
 * file or header (found before the database is opened).
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { describeFailure } from '../src/ingest/describe-failure';
import { isKindName, KIND_NAMES } from '../src/ingest/kinds';
import { formatSummary, loadFile, prepareLoad } from '../src/ingest/load-file';
import { progressDisplay } from '../src/ingest/progress';
import { LoadInputError } from '../src/ingest/source';

const USAGE = `usage: npm run load -- --kind KIND --file FILE [--file FILE...] [--format csv|ndjson] [--encoding utf8|gb18030] [--report PATH]
kinds: ${KIND_NAMES.join(', ')}`;

function command() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        kind: { type: 'string' },
        file: { type: 'string', multiple: true },
        format: { type: 'string' },
        encoding: { type: 'string' },
        report: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    throw new LoadInputError(`${(error as Error).message}\n${USAGE}`);
  }
  if (parsed.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const { kind, file: files = [], format, encoding, report } = parsed;
  if (!kind) throw new LoadInputError(`--kind is required\n${USAGE}`);
  if (!isKindName(kind)) throw new LoadInputError(`unknown kind "${kind}" (kinds: ${KIND_NAMES.join(', ')})`);
  if (files.length === 0) throw new LoadInputError(`--file is required\n${USAGE}`);
  if (report && files.length > 1) throw new LoadInputError('--report names the report of one file; give one --file');
  return files.map((file) => ({ kind, file, format, encoding, reportPath: report }));
}

async function main(): Promise<number> {
  const requests = command();
  // Every file is checked (exists, format, header) before the database is opened.
  for (const request of requests) await prepareLoad(request);
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    throw new LoadInputError((error as Error).message.replace(/\n\s*/g, ' '));
  }
  // A batch job: a million-row upsert runs far longer than a request's statement timeout, so none applies.
  const db = await openDatabase({ ...config, db: { ...config.db, statementTimeoutMs: 0 } });
  try {
    for (const request of requests) {
      const display = progressDisplay(request.kind);
      try {
        const summary = await loadFile(db, { ...request, onProgress: display.onProgress });
        display.stop();
        console.log(formatSummary(summary));
        if (summary.staging === 'insert') {
          console.log(
            '  (embedded database: rows were staged with batched INSERTs; its socket server does not carry COPY)',
          );
        }
      } catch (error) {
        display.stop();
        // A file problem found while reading (a malformed CSV) names the file itself.
        const where = error instanceof LoadInputError ? '' : `${request.file}: `;
        console.error(`load failed: ${where}${describeFailure(error)}`);
        return 1;
      }
    }
    return 0;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`load: ${describeFailure(error)}`);
    process.exit(error instanceof LoadInputError ? 2 : 1);
  },
);
