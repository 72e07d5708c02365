import type { CohortSuppression } from '../../privacy/cohort-suppression';
import { EnrollmentRun, EnrollmentRunFailure, EnrollmentRunStatus, SkipReason } from './enrollment.type';

/** The columns of enrollment_run that a client reads. */
export const RUN_COLUMNS = `id, campaign_id, status, done, total, enrolled, skipped, failure_reason, started_at, finished_at`;

export interface RunRow {
  id: string;
  campaign_id: string;
  status: EnrollmentRunStatus;
  done: number;
  total: number | null;
  enrolled: number | null;
  skipped: Record<string, number> | null;
  failure_reason: EnrollmentRunFailure | null;
  started_at: Date;
  finished_at: Date | null;
}

/** Counts per reason, in SkipReason's order, only reasons that occurred. */
export function skipCounts(skipped: Record<string, number>): { reason: SkipReason; count: number }[] {
  return Object.values(SkipReason)
    .filter((reason) => Number(skipped[reason] ?? 0) > 0)
    .map((reason) => ({ reason, count: Number(skipped[reason]) }));
}

/**
 * A run as the caller may read it: each count is of distinct customers (a run
 * screens each once), withheld from a caller whose small cohorts are
 * (cohort-suppression.ts); progress counts what the caller asked to have
 * screened (their list, or the whole book), not a cohort of some attribute.
 */
export function toEnrollmentRun(row: RunRow, cohorts: CohortSuppression): EnrollmentRun {
  const run: EnrollmentRun = {
    id: row.id,
    runId: row.id,
    campaignId: row.campaign_id,
    status: row.status,
    progress: { done: row.done, total: row.total },
    enrolled: row.enrolled,
    skipped: row.skipped
      ? cohorts.breakdown(
          skipCounts(row.skipped).map((c) => ({ ...c, customers: c.count })),
          'reason',
          Object.values(SkipReason),
        )
      : null,
    failureReason: row.failure_reason,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
  return row.enrolled === null ? run : cohorts.cells(run, { enrolled: row.enrolled });
}
