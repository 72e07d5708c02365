import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform, TransformCallback, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { DataSource, EntityManager } from 'typeorm';
import { KindName, kindSpec } from './kinds';
import { KindSpec, STAGE } from './kind';
import { RejectReport } from './reject-report';
import { settleStaged } from './settle';
import {
  checkColumns,
  checkUtf8,
  encodingOf,
  FileEncoding,
  FileFormat,
  fileSize,
  formatOf,
  LoadInputError,
  openRecords,
  readColumnNames,
  SourceRecord,
  sourceProblem,
} from './source';
import { copyLine, copySql, createStage, insertStaged, readyToStage, StagedRow, stagedRow } from './staging';
import { naturalKeyOf, validateRow } from './validate';
import type { Keyring } from '../privacy/encryption/keyring';
import { keyringFor } from '../privacy/encryption/keyrings';
import { sealLegacyRows } from '../privacy/encryption/rotation';

export interface LoadFileRequest {
  kind: KindName;
  file: string;
  /** Default: from the extension (.ndjson or .jsonl: NDJSON; anything else: CSV). */
  format?: string;
  /** utf8 (default) or gb18030 (CSV only). */
  encoding?: string;
  /** Default: `<file>.rejects.csv`. */
  reportPath?: string;
  onProgress?: (progress: LoadProgress) => void;
  /** Runs in the load's transaction after the write, before the commit; tests drop the connection here. */
  beforeCommit?: (em: EntityManager) => Promise<void>;
}

export interface LoadProgress {
  phase: 'reading' | 'writing';
  rowsRead: number;
  bytesRead: number;
  totalBytes: number;
}

export interface LoadSummary {
  kind: KindName;
  file: string;
  rowsRead: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  seconds: number;
  reportPath: string;
  /** How rows reached the staging table: COPY, or batched INSERTs on the embedded database. */
  staging: 'copy' | 'insert';
  /** Where the time went: reading, validating and staging the file; the checks; the upsert; what follows it. */
  phases: { stage: number; checks: number; upsert: number; after: number };
}

/** What a load needs to know about its file, all checked before the database is touched. */
export interface PreparedLoad {
  kind: KindName;
  spec: KindSpec;
  file: string;
  format: FileFormat;
  encoding: FileEncoding;
  reportPath: string;
  totalBytes: number;
}

/**
 * Refuses a missing file, a bad format or encoding (a file that is not in
 * the one given), a header that is not
 * the kind's, and a report path it cannot write to (LoadInputError).
 */
export async function prepareLoad(request: LoadFileRequest): Promise<PreparedLoad> {
  const spec = kindSpec(request.kind);
  const totalBytes = await fileSize(request.file);
  const format = formatOf(request.file, request.format);
  const encoding = encodingOf(request.encoding, format);
  if (encoding === 'utf8') await checkUtf8(request.file);
  checkColumns(spec, request.file, await readColumnNames(request.file, format, encoding), format);
  const reportPath = request.reportPath ?? `${request.file}.rejects.csv`;
  try {
    await access(dirname(reportPath), constants.W_OK);
  } catch {
    throw new LoadInputError(`${reportPath}: cannot write the report there`);
  }
  return { kind: request.kind, spec, file: request.file, format, encoding, reportPath, totalBytes };
}

/** Valid rows per batch handed to the staging step. */
const BATCH = 2_000;
const PROGRESS_EVERY_ROWS = 20_000;

/**
 * Validates records as they stream by: a row that fails goes to the report
 * with its number, natural key and reason; the rest go on in batches.
 */
class RowValidator extends Transform {
  rowsRead = 0;
  staged = 0;
  private batch: StagedRow[] = [];

  constructor(
    private readonly kind: KindName,
    private readonly spec: KindSpec,
    private readonly report: RejectReport,
    private readonly keyring: Keyring,
    private readonly progress: (rowsRead: number) => void,
  ) {
    super({ objectMode: true });
  }

  override _transform(record: SourceRecord, _encoding: BufferEncoding, done: TransformCallback): void {
    this.rowsRead++;
    if (record.raw === undefined) {
      this.report.add(record.rowNo, null, record.problem!);
    } else {
      const result = validateRow(this.kind, record.raw);
      if (result.ok) {
        this.batch.push(stagedRow(this.spec, this.keyring, record.rowNo, result.row));
      } else {
        this.report.add(record.rowNo, naturalKeyOf(this.kind, record.raw), result.reason);
      }
    }
    if (this.rowsRead % PROGRESS_EVERY_ROWS === 0) this.progress(this.rowsRead);
    if (this.batch.length >= BATCH) this.pushBatch();
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.batch.length > 0) this.pushBatch();
    this.progress(this.rowsRead);
    done();
  }

  private pushBatch(): void {
    this.staged += this.batch.length;
    this.push(this.batch);
    this.batch = [];
  }
}

/** Batches as COPY text. */
class CopyEncoder extends Transform {
  constructor(private readonly spec: KindSpec) {
    super({ writableObjectMode: true });
  }

  override _transform(batch: StagedRow[], _encoding: BufferEncoding, done: TransformCallback): void {
    let text = '';
    for (const staged of batch) text += copyLine(this.spec, staged);
    done(null, text);
  }
}

/** Batches as INSERTs, one at a time on the transaction's connection. */
function insertSink(em: EntityManager, spec: KindSpec): Writable {
  return new Writable({
    objectMode: true,
    write(batch: StagedRow[], _encoding, done) {
      insertStaged(em, spec, batch).then(() => done(), done);
    },
  });
}

/**
 * Loads one file in one transaction: file → decode → parse → validate →
 * staging table (COPY; batched INSERTs on the embedded database, whose
 * socket server does not carry COPY) → reference checks → upsert → segment
 * refresh requests → commit → the report of rejected rows. A failure
 * anywhere rolls everything back and writes no report; rejected rows alone
 * never fail a load.
 */
export async function loadFile(
  db: { ds: DataSource; embedded: boolean },
  request: LoadFileRequest,
): Promise<LoadSummary> {
  const load = await prepareLoad(request);
  const started = performance.now();
  const staging = db.embedded ? 'insert' : 'copy';
  const report = new RejectReport(load.reportPath);
  // Rows an upgrade left without blind indexes would be missed by the load's lookups (a second holding,
  // an ID number taken twice): they are sealed first, in transactions of their own (nothing to do: one
  // statement per scope).
  await sealLegacyRows(db.ds, keyringFor(db.ds));
  const runner = db.ds.createQueryRunner();
  let bytesRead = 0;
  try {
    const client = (await runner.connect()) as PoolClient;
    await runner.startTransaction();
    const em = runner.manager;
    // Hash joins and aggregates over a million staged rows stay in memory.
    await em.query(`SET LOCAL work_mem = '128MB'`);
    const keyring = keyringFor(db.ds);
    await readyToStage(em, load.spec, keyring);
    await createStage(em, load.spec);

    const progress = (phase: LoadProgress['phase'], rowsRead: number) =>
      request.onProgress?.({ phase, rowsRead, bytesRead, totalBytes: load.totalBytes });
    const validator = new RowValidator(load.kind, load.spec, report, keyring, (rowsRead) =>
      progress('reading', rowsRead),
    );
    const records = openRecords(load.file, load.format, load.encoding, (n) => (bytesRead += n));
    try {
      if (staging === 'copy') {
        await pipeline(records, validator, new CopyEncoder(load.spec), client.query(copyFrom(copySql(load.spec))));
      } else {
        await pipeline(records, validator, insertSink(em, load.spec));
      }
    } catch (error) {
      throw sourceProblem(load.file, error);
    }
    progress('writing', validator.rowsRead);
    // Temporary tables are never analysed by autovacuum; the checks and the upsert plan better with statistics.
    if (validator.staged > 10_000) await em.query(`ANALYZE ${STAGE}`);
    const stageSeconds = (performance.now() - started) / 1000;

    const settled = await settleStaged(em, load.spec, validator.staged);
    await report.write(settled.rejected);
    await request.beforeCommit?.(em);
    await runner.commitTransaction();
    await report.publish();
    return {
      kind: load.kind,
      file: load.file,
      rowsRead: validator.rowsRead,
      inserted: settled.inserted,
      updated: settled.updated,
      unchanged: settled.unchanged,
      rejected: report.count,
      seconds: (performance.now() - started) / 1000,
      reportPath: load.reportPath,
      staging,
      phases: { stage: stageSeconds, ...settled.seconds },
    };
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    await report.discard();
    throw error;
  } finally {
    await runner.release();
  }
}

/** One line per file: what the load did and where its report is. */
export function formatSummary(s: LoadSummary): string {
  const rate = s.seconds > 0 ? Math.round(s.rowsRead / s.seconds) : s.rowsRead;
  return (
    `${s.kind} ${s.file}: read ${s.rowsRead}, inserted ${s.inserted}, updated ${s.updated}, ` +
    `unchanged ${s.unchanged}, rejected ${s.rejected} in ${s.seconds.toFixed(1)} s (${rate} rows/s); ` +
    `report ${s.reportPath}`
  );
}
