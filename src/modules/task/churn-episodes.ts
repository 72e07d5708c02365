/**
 * Where churn signals become follow-up work. Segmentation (refreshSegments:
 * the refresh worker's batches and the nightly run alike) decides each
 * customer's signals and writes them in one statement per chunk; these CTEs
 * are part of that statement, so an episode and its task are written
 * exactly when, and only if, the signals are: a statement commits or rolls
 * back whole, inside the worker's transaction or the nightly run's autocommit.
 *
 * Per customer of the chunk, set-based:
 * - signals now, no open episode: an episode starts, and opens its one task,
 *   assigned to the customer's relationship manager, or to their branch when
 *   they have none, due `dueDays` calendar days after the business date;
 * - signals now, an open episode: it stays open; signals not seen in it
 *   before are added to it (nothing is written when none are new);
 * - no signals, an open episode: it ends. Its task stays as it is: whoever
 *   has it still records what came of the follow-up.
 *
 * Two runs over one customer at once (a worker's batch beside a direct
 * refresh, say) both find no open episode in their snapshots; the partial
 * unique index on open episodes turns the second insert into nothing (ON
 * CONFLICT DO NOTHING waits for the first to commit), and no episode means
 * no task, so there is still exactly one.
 */
export interface ChurnEpisodeSqlParams {
  /** A CTE of the statement with one row per customer: id (uuid), tier (text), signals (text[]). */
  decided: string;
  /** Placeholders: the run's clock (timestamptz), its business date (date), the due period in days (int). */
  now: string;
  today: string;
  dueDays: string;
}

/** CTEs to append after `decided` (each starts with a comma); `churnEpisodeCounts` reads their results. */
export function churnEpisodeCtes(p: ChurnEpisodeSqlParams): string {
  return `,
    episode_ended AS (
      UPDATE churn_episode e SET ended_at = ${p.now}
      FROM ${p.decided} d
      WHERE e.customer_id = d.id AND e.ended_at IS NULL AND d.signals = '{}'
      RETURNING e.id
    ),
    episode_widened AS (
      UPDATE churn_episode e
      SET signals = ARRAY(SELECT DISTINCT s FROM unnest(e.signals || d.signals) AS s ORDER BY s)
      FROM ${p.decided} d
      WHERE e.customer_id = d.id AND e.ended_at IS NULL AND d.signals <> '{}' AND NOT d.signals <@ e.signals
      RETURNING e.id
    ),
    episode_started AS (
      INSERT INTO churn_episode (customer_id, started_at, tier, signals)
      SELECT d.id, ${p.now}, d.tier, d.signals FROM ${p.decided} d
      WHERE d.signals <> '{}'
        AND NOT EXISTS (SELECT 1 FROM churn_episode e WHERE e.customer_id = d.id AND e.ended_at IS NULL)
      ON CONFLICT (customer_id) WHERE ended_at IS NULL DO NOTHING
      RETURNING id, customer_id
    ),
    task_opened AS (
      INSERT INTO retention_task (episode_id, customer_id, assignee_id, branch_id, opened_at, due_on)
      SELECT s.id, s.customer_id, c.relationship_manager_id, c.branch_id, ${p.now}, ${p.today}::date + ${p.dueDays}::int
      FROM episode_started s JOIN customer c ON c.id = s.customer_id
      RETURNING 1
    )`;
}

/** Select-list items (after a comma) that count what the CTEs did. */
export const churnEpisodeCounts = `(SELECT count(*) FROM episode_started)::int AS "episodesStarted",
  (SELECT count(*) FROM episode_ended)::int AS "episodesEnded"`;
