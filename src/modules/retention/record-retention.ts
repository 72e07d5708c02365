import type { DataSource, EntityManager } from 'typeorm';
import type { Config } from '../../config';
import { loadVerifyKey } from '../audit/audit-digest';
import { AuditPurgeOutcome, purgeAuditRecords } from '../audit/audit-retention';
import { releaseExpiredHolds } from '../data-subject/customer-erasure';

/**
 * How long each kind of record is kept (PIPL Art. 19: no longer than its
 * purpose needs), as data: where the records are and what makes one
 * expire. `$1` is the run's clock; `$2` the kind's retention in days.
 */
interface RetentionRule {
  kind: string;
  table: string;
  expired: string;
  days: (config: Config) => number | null;
  /** Rows per statement, when a row is larger than most (CHUNK). */
  chunk?: number;
  /** How many records a row holds (SQL over the row), when more than one: what `purged` counts. */
  records?: string;
}

export const RETENTION_RULES: readonly RetentionRule[] = [
  // Each record carries its own expiry: a retry after it is a new request.
  { kind: 'idempotencyRecords', table: 'idempotency_record', expired: `expires_at < $1`, days: () => null },
  // Who a run skipped and why: needed while the campaign is planned and reviewed, not for years.
  // A row is a range's customers skipped for one reason (up to its 25,000 ids): about a third of a run per chunk.
  {
    kind: 'enrollmentSkips',
    table: 'enrollment_skip',
    expired: `created_at < $1::timestamptz - make_interval(days => $2)`,
    days: (config) => config.retentionDays.enrollmentSkips,
    chunk: 100,
    records: 'cardinality(customer_ids)',
  },
  // A prospect's details, untouched (no status change or registration) for the follow-up's time.
  {
    kind: 'leads',
    table: 'lead',
    expired: `updated_at < $1::timestamptz - make_interval(days => $2)`,
    days: (config) => config.leads.retentionDays,
  },
];

/** Rows deleted per statement, so that a large backlog never holds one long transaction or lock. */
const CHUNK = 5_000;

export interface RetentionOutcome {
  /** Records deleted, by kind. */
  purged: Record<string, number>;
  /** Erased customers whose legal hold ran out, their held records cleared. */
  holdsReleased: number;
  /** Audit records past AUDIT_RETENTION_MONTHS: month partitions dropped, and those kept and why. */
  audit: AuditPurgeOutcome;
}

/**
 * Deletes what has outlived its retention, kind by kind, in chunks (each its
 * own transaction), reporting progress after each chunk. Safe to run while
 * the server serves, and from two processes at once (a row deleted by one is
 * skipped by the other).
 */
export async function purgeExpiredRecords(
  ds: DataSource,
  config: Config,
  now: Date = new Date(),
  progress: (kind: string, purgedSoFar: number) => void = () => undefined,
): Promise<RetentionOutcome> {
  const purged: Record<string, number> = {};
  for (const rule of RETENTION_RULES) {
    purged[rule.kind] = await purgeKind(ds, rule, rule.days(config), now, (n) => progress(rule.kind, n));
  }
  const holdsReleased = await releaseExpiredHolds(ds.manager, config.businessTimeZone, now);
  // Audit records go by whole months, not in chunks of rows (audit-retention.ts).
  const audit = await purgeAuditRecords(
    ds,
    {
      retentionMonths: config.audit.retentionMonths,
      digestDir: config.audit.sealer.digestDir,
      verifyKey: () => loadVerifyKey(config.audit.sealer),
    },
    now,
  );
  return { purged, holdsReleased, audit };
}

async function purgeKind(
  em: DataSource | EntityManager,
  rule: RetentionRule,
  days: number | null,
  now: Date,
  progress: (purgedSoFar: number) => void,
): Promise<number> {
  let total = 0;
  const chunk = rule.chunk ?? CHUNK;
  for (;;) {
    // ctid: the rows of this chunk exactly, whatever the table's key.
    const [{ rows, records }]: { rows: number; records: number }[] = await em.query(
      `WITH deleted AS (
         DELETE FROM ${rule.table} WHERE ctid = ANY(ARRAY(
           SELECT ctid FROM ${rule.table} WHERE ${rule.expired} LIMIT ${chunk}))
         RETURNING ${rule.records ?? '1'} AS records)
       SELECT count(*)::int AS rows, coalesce(sum(records), 0)::int AS records FROM deleted`,
      days === null ? [now.toISOString()] : [now.toISOString(), days],
    );
    total += records;
    progress(total);
    if (rows < chunk) return total;
  }
}
