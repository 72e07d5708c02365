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

export function toEnrollmentRun(row: RunRow): EnrollmentRun {
  return {
    id: row.id,
    runId: row.id,
    campaignId: row.campaign_id,
    status: row.status,
    progress: { done: row.done, total: row.total },
    enrolled: row.enrolled,
    skipped: row.skipped ? skipCounts(row.skipped) : null,
    failureReason: row.failure_reason,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
