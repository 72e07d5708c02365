import type { EntityManager } from 'typeorm';
import { blindIndexColumn, DIGEST_COLUMN, ENCRYPTION, Keyring } from '../privacy/encryption/keyring';
import { KindSpec, PgType, STAGE } from './kind';
import { keyOfValid, ValidRow } from './validate';

/** A valid row on its way into the staging table, with where it came from and its natural key. */
export interface StagedRow {
  /** The row's number in its file (1 = the first record), or its index in an event batch. */
  rowNo: number;
  key: string;
  /** The staging table's values: a ValidRow with its encrypted columns sealed (stagedValues). */
  row: StagedValues;
}

export type StagedValues = Readonly<Record<string, string | boolean | null | undefined>>;

const stageColumnsCache = new WeakMap<KindSpec, { name: string; pgType: PgType }[]>();

/**
 * The staging table's value columns: the kind's own, a blind-lookup column
 * replaced by its blind index, and an encrypted table's blind indexes and
 * digest added (its encrypted columns hold ciphertext).
 */
export function stageColumns(spec: KindSpec): readonly { name: string; pgType: PgType }[] {
  let columns = stageColumnsCache.get(spec);
  if (columns) return columns;
  const lookups: readonly string[] = spec.blindLookups?.columns ?? [];
  columns = spec.columns.map((c) =>
    lookups.includes(c.name) ? { name: blindIndexColumn(c.name), pgType: 'text' as const } : c,
  );
  if (spec.encrypted) {
    const encryption = ENCRYPTION[spec.encrypted];
    for (const c of encryption.blindIndexed) columns.push({ name: blindIndexColumn(c), pgType: 'text' });
    if (encryption.digest) columns.push({ name: DIGEST_COLUMN, pgType: 'text' });
  }
  stageColumnsCache.set(spec, columns);
  return columns;
}

/**
 * The keyring the kind's rows are sealed with, its keys read (and a scope's
 * first keys made) in the load's transaction, before staging starts:
 * sealing itself is then a local call per value.
 */
export async function readyToStage(em: EntityManager, spec: KindSpec, keyring: Keyring): Promise<void> {
  if (spec.encrypted) await keyring.ensure(em, spec.encrypted);
  if (spec.blindLookups) await keyring.ensure(em, spec.blindLookups.scope);
}

/**
 * A valid row as staged: personal data encrypted in Node before it reaches
 * the database (the staging table never holds it in plaintext), with its
 * blind indexes, and blind-lookup columns as their index alone. The natural
 * key stays as the source names it: the report of rejects shows it.
 */
export function stagedRow(spec: KindSpec, keyring: Keyring, rowNo: number, row: ValidRow): StagedRow {
  const key = keyOfValid(spec, row);
  if (!spec.encrypted && !spec.blindLookups) return { rowNo, key, row };
  const values: Record<string, string | boolean | null | undefined> = { ...row };
  if (spec.encrypted) {
    const plain: Record<string, string | null> = {};
    for (const column of ENCRYPTION[spec.encrypted].columns)
      plain[column] = (row[column] as string | undefined) ?? null;
    Object.assign(values, keyring.sealRow(spec.encrypted, plain));
  }
  if (spec.blindLookups) {
    for (const column of spec.blindLookups.columns) {
      const value = row[column] as string | undefined;
      values[blindIndexColumn(column)] =
        value === undefined ? undefined : keyring.blindIndex(spec.blindLookups.scope, column, value);
      delete values[column];
    }
  }
  return { rowNo, key, row: values };
}

/**
 * The staging table of one load or batch: the kind's columns typed as the
 * target wants them, its row number and natural key, and why it was
 * rejected, if it was. Temporary (private to the session, not WAL-logged)
 * and dropped at commit; dropped first in case this transaction staged
 * another batch already.
 */
export async function createStage(em: EntityManager, spec: KindSpec): Promise<void> {
  const columns = stageColumns(spec)
    .map((c) => `${c.name} ${c.pgType}`)
    .join(', ');
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
  return `COPY ${STAGE} (row_no, key, ${stageColumns(spec)
    .map((c) => c.name)
    .join(', ')}) FROM STDIN`;
}

/** COPY's text format: tab-separated, \N for null, backslash escapes. */
function copyText(value: string): string {
  return /[\\\t\n\r]/.test(value)
    ? value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
    : value;
}

export function copyLine(spec: KindSpec, staged: StagedRow): string {
  let line = `${staged.rowNo}\t${copyText(staged.key)}`;
  for (const column of stageColumns(spec)) {
    const value = staged.row[column.name];
    line += value == null ? '\t\\N' : `\t${typeof value === 'string' ? copyText(value) : String(value)}`;
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
    for (const column of stageColumns(spec)) record[column.name] = row[column.name] ?? null;
    return record;
  });
  await em.query(`INSERT INTO ${STAGE} SELECT * FROM json_populate_recordset(NULL::${STAGE}, $1::json)`, [
    JSON.stringify(records),
  ]);
}
