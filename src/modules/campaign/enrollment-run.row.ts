import type { CohortSuppression, TableCell } from '../../privacy/cohort-suppression';
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
 * screened (their list, or the whole book), not a cohort of some attribute,
 * and is never withheld.
 */
export function toEnrollmentRun(row: RunRow, cohorts: CohortSuppression): EnrollmentRun {
  const run: EnrollmentRun = {
    id: row.id,
    runId: row.id,
    campaignId: row.campaign_id,
    status: row.status,
    progress: { done: row.done, total: row.total },
    enrolled: row.enrolled,
    skipped: null,
    failureReason: row.failure_reason,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
  const counts = runCounts(row, cohorts);
  if (!counts) return run;
  return cohorts.withhold(
    {
      ...run,
      skipped: counts.skipped.map(({ reason, count }) =>
        cohorts.withhold({ reason, count }, counts.withheld.has(reason) ? ['count'] : []),
      ),
    },
    counts.withheld.has('enrolled') ? ['enrolled'] : [],
  );
}

/**
 * The skip reasons whose count an ended run shows the caller; null while it
 * runs (no count is shown yet). A reason whose count is withheld lists none
 * of its customers: the rows would count it.
 */
export function shownSkipReasons(row: RunRow, cohorts: CohortSuppression): SkipReason[] | null {
  const counts = runCounts(row, cohorts);
  return counts && counts.skipped.map((c) => c.reason).filter((reason) => !counts.withheld.has(reason));
}

/**
 * An ended run's counts, as one table: the customers looked at (done) are
 * those enrolled plus those skipped for each reason (plus, for the whole
 * book, those outside the target criteria, which the caller can count with
 * the same filter). So beside the small counts, a count that done minus the
 * others would tell is withheld too (suppressTable). Done itself is the
 * caller's figure and stays.
 */
function runCounts(row: RunRow, cohorts: CohortSuppression) {
  if (row.enrolled === null || row.skipped === null) return null;
  const skipped = cohorts.everyValue(
    skipCounts(row.skipped).map((c) => ({ ...c, customers: c.count })),
    'reason',
    Object.values(SkipReason),
  );
  const cells: Record<string, TableCell> = {
    done: { customers: row.done, fixed: true },
    enrolled: { customers: row.enrolled },
  };
  for (const { reason, customers } of skipped) cells[reason] = { customers };
  const withheld = cohorts.table(cells, [{ total: 'done', parts: ['enrolled', ...skipped.map((c) => c.reason)] }]);
  return { skipped, withheld };
}
