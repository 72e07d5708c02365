import type { EntityManager } from 'typeorm';
import { KindSpec, STAGE } from './kind';
import type { ValidRow } from './validate';

/** A valid row on its way into the staging table, with where it came from and its natural key. */
export interface StagedRow {
  /** The row's number in its file (1 = the first record), or its index in an event batch. */
  rowNo: number;
  key: string;
  row: ValidRow;
}

/**
 * The staging table of one load or batch: the kind's columns typed as the
 * target wants them, its row number and natural key, and why it was
 * rejected, if it was. Temporary (private to the session, not WAL-logged)
 * and dropped at commit; dropped first in case this transaction staged
 * another batch already.
 */
export async function createStage(em: EntityManager, spec: KindSpec): Promise<void> {
  const columns = spec.columns.map((c) => `${c.name} ${c.pgType}`).join(', ');
  await em.query(`DROP TABLE IF EXISTS ${STAGE}`);
  await em.query(
    `CREATE TEMP TABLE ${STAGE} (row_no int NOT NULL, key text NOT NULL, reject text, ${columns}) ON COMMIT DROP`,
  );
}

export async function dropStage(em: EntityManager): Promise<void> {
  await em.query(`DROP TABLE IF EXISTS ${STAGE}`);
}

/** The COPY statement whose text lines copyLine writes. */
export function copySql(spec: KindSpec): string {
  return `COPY ${STAGE} (row_no, key, ${spec.columns.map((c) => c.name).join(', ')}) FROM STDIN`;
}

/** COPY's text format: tab-separated, \N for null, backslash escapes. */
function copyText(value: string): string {
  return /[\\\t\n\r]/.test(value)
    ? value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
    : value;
}

export function copyLine(spec: KindSpec, staged: StagedRow): string {
  let line = `${staged.rowNo}\t${copyText(staged.key)}`;
  for (const column of spec.columns) {
    const value = staged.row[column.name];
    line += value === undefined ? '\t\\N' : `\t${typeof value === 'string' ? copyText(value) : String(value)}`;
  }
  return line + '\n';
}

/**
 * Stages rows with one ordinary INSERT (json_populate_recordset over the
 * staging table's own row type): what event batches use, and files on the
 * embedded database, whose wire protocol does not carry COPY.
 */
export async function insertStaged(em: EntityManager, spec: KindSpec, rows: readonly StagedRow[]): Promise<void> {
  if (rows.length === 0) return;
  const records = rows.map(({ rowNo, key, row }) => {
    const record: Record<string, unknown> = { row_no: rowNo, key };
    for (const column of spec.columns) record[column.name] = row[column.name] ?? null;
    return record;
  });
  await em.query(`INSERT INTO ${STAGE} SELECT * FROM json_populate_recordset(NULL::${STAGE}, $1::json)`, [
    JSON.stringify(records),
  ]);
}
