import type { EntityManager } from 'typeorm';
import type { z } from 'zod';
import type { KeyScope } from '../privacy/encryption/keyring';

/** How a column is typed in the staging table (COPY parses the text into it). */
export type PgType = 'text' | 'date' | 'timestamptz' | 'numeric' | 'boolean' | 'uuid';

export interface Column {
  name: string;
  pgType: PgType;
  required: boolean;
  /** The value's own rule (fields.ts). */
  field: z.ZodType;
}

export const required = (name: string, pgType: PgType, field: z.ZodType): Column => ({
  name,
  pgType,
  required: true,
  field,
});
export const optional = (name: string, pgType: PgType, field: z.ZodType): Column => ({
  name,
  pgType,
  required: false,
  field,
});

/** A rule across columns of one row: the column to blame and why, or undefined when the row is fine. */
export type RowRule = (row: Record<string, unknown>) => readonly [column: string, problem: string] | undefined;

/**
 * A rule a staged row is checked against in SQL, set-based: references to
 * rows that must exist, and what only the database knows. Runs as
 * `UPDATE <staging> s SET reject = reason [FROM from] WHERE s.reject IS NULL AND (where)`.
 */
export interface StagedCheck {
  /** `column: rule`, as the report shows it; never a value. */
  reason: string;
  /** Relations the condition needs besides the staged row `s`. */
  from?: string;
  where: string;
}

/**
 * The one set-based upsert of a kind: staged rows `s` that passed every
 * check, joined to what their references resolve to, inserted or updated
 * by natural key, and left alone when nothing differs.
 */
export interface UpsertSpec {
  table: string;
  /** ON CONFLICT's target: the natural key's unique index. */
  conflict: string;
  /** Joins from `s` that resolve references (their checks have rejected the rows they would drop). */
  joins?: string;
  /** How the stored row of the same natural key (`cur`) is found. */
  current: string;
  /** Target column → value, in SQL over `s`, the joined relations and `cur`. */
  values: Readonly<Record<string, string>>;
  /** Target columns that identify the row: written on insert, never updated. */
  key: readonly string[];
  /** Columns of each written row that the statement reports back, besides whether it was inserted. */
  returning?: string;
  /** `SELECT customer_id ...` from `written` (the written rows): whose segments must be refreshed. */
  customersOf?: string;
  /** More aggregates over `written`, handed to afterWrite. */
  summary?: Readonly<Record<string, string>>;
  /**
   * Target columns written as ciphertext: left out of the "nothing differs"
   * comparison (two ciphertexts of one value differ), where the table's
   * keyed digest, among the values, stands for them.
   */
  comparedByDigest?: readonly string[];
}

export interface KindSpec {
  name: string;
  columns: readonly Column[];
  /** The source system's key, as column names; its values make the natural key string. */
  naturalKey: readonly string[];
  rowRules?: readonly RowRule[];
  checks: readonly StagedCheck[];
  upsert: UpsertSpec;
  /**
   * The kind's rows are a table whose personal data is stored encrypted
   * (privacy/encryption ENCRYPTION[scope]): staged as ciphertext, with the
   * blind indexes and digest beside them (`<column>_bidx`, `pii_digest`),
   * all computed in Node before a row reaches the database.
   */
  encrypted?: KeyScope;
  /**
   * Columns only ever looked up (an account number a daily balance names):
   * staged as their blind index alone, `<column>_bidx`, under the scope.
   */
  blindLookups?: { scope: KeyScope; columns: readonly string[] };
  /** Consequences of the write in the same transaction, from upsert.summary's values. */
  afterWrite?: (em: EntityManager, summary: Record<string, unknown>) => Promise<void>;
}

/** The staging table every load and event batch goes through; temporary, so session-private and not WAL-logged. */
export const STAGE = 'pg_temp.ingest_stage';

/** A staged row whose reference by `column` (a code or number in the file) names no row of `table`. */
export function mustExist(column: string, table: string, tableColumn: string, what: string): StagedCheck {
  return {
    reason: `${column}: ${what}`,
    where: `s.${column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${table} r WHERE r.${tableColumn} = s.${column})`,
  };
}

/** Rows after the first of this load that repeat `columns` (unique in the database) under another natural key. */
export function repeatedInLoad(columns: string, reason: string): StagedCheck {
  return {
    reason,
    from: `(SELECT row_no, row_number() OVER (PARTITION BY ${columns} ORDER BY row_no) AS n
            FROM ${STAGE} WHERE reject IS NULL) d`,
    where: `d.row_no = s.row_no AND d.n > 1`,
  };
}
