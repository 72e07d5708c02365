import type { EntityManager } from 'typeorm';
import { KindName, kindSpec } from './kinds';
import { settleStaged } from './settle';
import { createStage, dropStage, insertStaged, readyToStage, StagedRow, stagedRow } from './staging';
import type { ValidRow } from './validate';
import { keyringFor } from '../privacy/encryption/keyrings';

export { naturalKeyOf, validateRow } from './validate';
export type { Validation, ValidRow } from './validate';
export type { KindName } from './kinds';

export interface ApplyResult {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Rows refused by the database-side rules: `index` into the rows given, the natural key, `column: rule`. */
  rejected: { index: number; key: string; reason: string }[];
}

/** Rows per INSERT into the staging table: one statement's JSON stays a few megabytes. */
const STAGE_BATCH = 5_000;

/**
 * Applies rows that passed validateRow, inside the caller's transaction: the
 * same staging table, reference checks and upsert as a file load (only the
 * staging is an INSERT rather than COPY), and the same segment refresh
 * requests. A natural key given twice is applied once, from the later row.
 * Nothing is committed here; a failure leaves the transaction to the caller.
 */
export async function applyRows(em: EntityManager, kind: KindName, rows: readonly ValidRow[]): Promise<ApplyResult> {
  if (!em.queryRunner?.isTransactionActive) {
    throw new Error('applyRows runs inside a transaction (its staging table lives until commit)');
  }
  if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0, rejected: [] };
  const spec = kindSpec(kind);
  const keyring = keyringFor(em.connection);
  await readyToStage(em, spec, keyring);
  await createStage(em, spec);
  const staged: StagedRow[] = rows.map((row, index) => stagedRow(spec, keyring, index, row));
  for (let start = 0; start < staged.length; start += STAGE_BATCH) {
    await insertStaged(em, spec, staged.slice(start, start + STAGE_BATCH));
  }
  const settled = await settleStaged(em, spec, rows.length);
  await dropStage(em);
  return {
    inserted: settled.inserted,
    updated: settled.updated,
    unchanged: settled.unchanged,
    rejected: settled.rejected.map(({ rowNo, key, reason }) => ({ index: rowNo, key, reason })),
  };
}
