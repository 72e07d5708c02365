import type { EntityManager } from 'typeorm';
import { requestSegmentRefresh } from '../modules/customer/segment-refresh-request';
import { KindSpec, STAGE, StagedCheck, UpsertSpec } from './kind';

export interface StagedReject {
  rowNo: number;
  key: string;
  reason: string;
}

export interface Settled {
  inserted: number;
  updated: number;
  /** Staged rows that passed every check and already matched what is stored. */
  unchanged: number;
  rejected: StagedReject[];
  /** Seconds spent on the checks, the upsert, and what follows it (consequences, refresh requests, the rejects). */
  seconds: { checks: number; upsert: number; after: number };
}

/**
 * A natural key staged twice: the last row stands for it (a later row of a
 * file, or a later event of a batch, is the newer news) and the earlier ones
 * are rejected. Checked first, so every other rule sees one row per key.
 */
const REPEATED_KEY: StagedCheck = {
  reason: 'key: repeated later in this load; the last row is the one applied',
  from: `(SELECT key, max(row_no) AS last_row FROM ${STAGE} GROUP BY key HAVING count(*) > 1) d`,
  where: 's.key = d.key AND s.row_no < d.last_row',
};

async function runCheck(em: EntityManager, check: StagedCheck): Promise<void> {
  await em.query(
    `UPDATE ${STAGE} s SET reject = $1 ${check.from ? `FROM ${check.from}` : ''}
     WHERE s.reject IS NULL AND (${check.where})`,
    [check.reason],
  );
}

const upsertSqlCache = new WeakMap<UpsertSpec, string>();

/**
 * INSERT ... ON CONFLICT (natural key) DO UPDATE ... WHERE the stored row
 * differs, so that an unchanged row is neither rewritten nor locked: the
 * SELECT already leaves out rows equal to the stored ones (the conflict
 * clause's WHERE then only guards a row another transaction wrote
 * meanwhile). Reports how many rows were inserted and updated (xmax = 0
 * marks an inserted row), the customers whose segments they touch, and the
 * kind's own aggregates.
 */
export function upsertSql(u: UpsertSpec): string {
  let sql = upsertSqlCache.get(u);
  if (sql) return sql;
  const columns = Object.keys(u.values);
  const changing = columns.filter((c) => !u.key.includes(c));
  const values = columns.map((c) => u.values[c]);
  // Ciphertexts never compare equal: the digest among the compared columns stands for them.
  const compared = changing.filter((c) => !u.comparedByDigest?.includes(c));
  const comparedValues = compared.map((c) => u.values[c]);
  const row = (alias: string) => `(${compared.map((c) => `${alias}.${c}`).join(', ')})`;
  const extra = Object.entries(u.summary ?? {}).map(
    ([name, aggregate]) => `, (SELECT ${aggregate} FROM written) AS "${name}"`,
  );
  sql = `
    WITH written AS (
      INSERT INTO ${u.table} AS t (${columns.join(', ')})
      SELECT ${values.join(', ')}
      FROM ${STAGE} s ${u.joins ?? ''}
      LEFT JOIN ${u.table} cur ON ${u.current}
      WHERE s.reject IS NULL AND (cur.ctid IS NULL OR ${row('cur')} IS DISTINCT FROM (${comparedValues.join(', ')}))
      ON CONFLICT ${u.conflict} DO UPDATE SET ${changing.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}
      WHERE ${row('t')} IS DISTINCT FROM ${row('EXCLUDED')}
      RETURNING (xmax = 0) AS inserted${u.returning ? `, ${u.returning}` : ''}
    )
    SELECT (SELECT count(*) FILTER (WHERE inserted) FROM written)::int AS inserted,
           (SELECT count(*) FILTER (WHERE NOT inserted) FROM written)::int AS updated,
           ${u.customersOf ? `ARRAY(SELECT DISTINCT customer_id::text FROM (${u.customersOf}) a)` : `'{}'::text[]`} AS "customerIds"
           ${extra.join('')}`;
  upsertSqlCache.set(u, sql);
  return sql;
}

/**
 * Everything after staging, the same for a file and an event batch, inside
 * the caller's transaction: rejects rows whose key repeats or whose
 * references or database rules fail, writes the rest with one upsert, runs
 * the kind's consequences (consent withdrawals move enrolments) and asks
 * for the touched customers' segments to be refreshed.
 */
export async function settleStaged(em: EntityManager, spec: KindSpec, staged: number): Promise<Settled> {
  const t0 = performance.now();
  for (const check of [REPEATED_KEY, ...spec.checks]) await runCheck(em, check);
  const t1 = performance.now();
  const [summary] = await em.query(upsertSql(spec.upsert));
  const t2 = performance.now();
  if (spec.afterWrite) await spec.afterWrite(em, summary);
  await requestSegmentRefresh(em, summary.customerIds as string[]);
  const rejected: StagedReject[] = await em.query(
    `SELECT row_no AS "rowNo", key, reject AS reason FROM ${STAGE} WHERE reject IS NOT NULL ORDER BY row_no`,
  );
  const t3 = performance.now();
  const { inserted, updated } = summary as { inserted: number; updated: number };
  return {
    inserted,
    updated,
    unchanged: staged - rejected.length - inserted - updated,
    rejected,
    seconds: { checks: (t1 - t0) / 1000, upsert: (t2 - t1) / 1000, after: (t3 - t2) / 1000 },
  };
}
