import { badUserInput } from '../../common/errors';
import { SqlParams } from '../../db/parent-relations';
import type { TableCell } from '../../privacy/cohort-suppression';
import { rowScopeForOperation, scopeSql } from '../../privacy/row-scope';
import type { RequestContext } from '../../request/context';
import { ChurnSignal, Tier } from '../customer/customer.enums';
import { TaskOutcome, TaskReason } from './task.enums';
import { ChurnReport } from './task.type';

/**
 * Counts of the churn episodes that started in a period (business dates,
 * inclusive, in the configured zone) and of their tasks' outcomes and
 * reasons, in one statement. Only customers in the caller's row scope for
 * this query count: a marketing role's excludes those who withdrew
 * personalised marketing (PRODUCT.md §2: to that role they do not exist, in
 * counts either), while a risk officer or auditor counts everyone. Counts
 * only, never a customer; but a count of a few customers can single them out
 * to a pseudonymised caller, so each cell is withheld by the distinct
 * customers behind it (small-cohort suppression; an episode count can exceed
 * its customers, who may churn twice in a period), and so is a count that
 * the totals minus the other counts would tell (suppressTable).
 */
export async function churnReport(ctx: RequestContext, zone: string, from: string, to: string): Promise<ChurnReport> {
  if (from > to) throw badUserInput('from', 'from must not be after to');
  const params = new SqlParams();
  const scope = rowScopeForOperation(ctx.principal, ctx.privacy, 'Query', 'churnReport');
  const z = params.bind(zone, 'text');
  const counted = (key: string, rows: string, where = 'true') =>
    `(SELECT coalesce(json_agg(json_build_object('${key}', k, 'count', n, 'customers', m) ORDER BY n DESC, k), '[]')
      FROM (SELECT ${rows === 'signals' ? 's' : rows} AS k, count(*)::int AS n, count(DISTINCT customer_id)::int AS m
            FROM ep${rows === 'signals' ? ', unnest(ep.signals) AS s' : ''} WHERE ${where} GROUP BY 1) x)`;
  const [row] = await ctx.reads.query(
    `WITH ep AS (
       SELECT e.customer_id, e.tier, e.signals, e.ended_at, t.status, t.outcome, t.reason
       FROM churn_episode e
       JOIN retention_task t ON t.episode_id = e.id
       JOIN customer c ON c.id = e.customer_id
       WHERE e.started_at >= ${params.bind(from, 'date')}::timestamp AT TIME ZONE ${z}
         AND e.started_at < (${params.bind(to, 'date')} + 1)::timestamp AT TIME ZONE ${z}
         AND ${scopeSql(scope, 'c', params.bind)}
     )
     SELECT count(*)::int AS episodes,
       count(*) FILTER (WHERE ended_at IS NOT NULL)::int AS "episodesEnded",
       count(*) FILTER (WHERE status = 'OPEN')::int AS "openTasks",
       count(*) FILTER (WHERE status = 'COMPLETED')::int AS "completedTasks",
       json_build_object(
         'episodes', count(DISTINCT customer_id),
         'episodesEnded', count(DISTINCT customer_id) FILTER (WHERE ended_at IS NOT NULL),
         'openTasks', count(DISTINCT customer_id) FILTER (WHERE status = 'OPEN'),
         'completedTasks', count(DISTINCT customer_id) FILTER (WHERE status = 'COMPLETED')) AS customers,
       ${counted('tier', 'tier')} AS "byTier",
       ${counted('signal', 'signals')} AS "bySignal",
       ${counted('outcome', 'outcome', 'outcome IS NOT NULL')} AS "byOutcome",
       ${counted('reason', 'reason', 'reason IS NOT NULL')} AS "byReason"
     FROM ep`,
    params.values,
  );
  const { customers, byTier, bySignal, byOutcome, byReason, ...counts } = row as CountedReport;
  const { cohorts } = ctx.privacy;
  const lists = {
    byTier: cohorts.everyValue(byTier, 'tier', Object.values(Tier)),
    bySignal: cohorts.everyValue(bySignal, 'signal', Object.values(ChurnSignal)),
    byOutcome: cohorts.everyValue(byOutcome, 'outcome', Object.values(TaskOutcome)),
    byReason: cohorts.everyValue(byReason, 'reason', Object.values(TaskReason)),
  };
  const cells: Record<string, TableCell> = {};
  for (const [count, n] of Object.entries(customers)) cells[count] = { customers: n };
  const cellsOf = (list: keyof typeof lists) =>
    lists[list].map((entry, i) => {
      cells[`${list}.${i}`] = { customers: entry.customers };
      return `${list}.${i}`;
    });
  const [tiers, signals, outcomes, reasons] = [
    cellsOf('byTier'),
    cellsOf('bySignal'),
    cellsOf('byOutcome'),
    cellsOf('byReason'),
  ];
  // What adds up: each episode has one task, open or completed, and one tier;
  // a completed task has one outcome and one reason. An episode may have
  // several signals, so bySignal adds up to nothing published.
  const withheld = cohorts.table(cells, [
    { total: 'episodes', parts: ['openTasks', 'completedTasks'] },
    { total: 'episodes', parts: tiers },
    { total: 'completedTasks', parts: outcomes },
    { total: 'completedTasks', parts: reasons },
  ]);
  const breakdown = <T extends { customers: number }>(list: readonly T[], ids: string[]) =>
    list.map(({ customers: _customers, ...entry }, i) =>
      cohorts.withhold(entry, withheld.has(ids[i]) ? ['count'] : []),
    );
  return cohorts.withhold(
    {
      from,
      to,
      ...counts,
      byTier: breakdown(lists.byTier, tiers),
      bySignal: breakdown(lists.bySignal, signals),
      byOutcome: breakdown(lists.byOutcome, outcomes),
      byReason: breakdown(lists.byReason, reasons),
    },
    Object.keys(customers).filter((count) => withheld.has(count)),
  );
}

type WithCustomers<T> = (T & { customers: number })[];

/** What the statement returns: each count with the number of distinct customers behind it. */
interface CountedReport extends Pick<ChurnReport, 'episodes' | 'episodesEnded' | 'openTasks' | 'completedTasks'> {
  customers: Record<'episodes' | 'episodesEnded' | 'openTasks' | 'completedTasks', number>;
  byTier: WithCustomers<ChurnReport['byTier'][number]>;
  bySignal: WithCustomers<ChurnReport['bySignal'][number]>;
  byOutcome: WithCustomers<ChurnReport['byOutcome'][number]>;
  byReason: WithCustomers<ChurnReport['byReason'][number]>;
}
