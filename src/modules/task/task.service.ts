import { DataSource } from 'typeorm';
import { appError, badUserInput } from '../../common/errors';
import { dateAndId } from '../../common/cursor-keys';
import { assertId } from '../../common/ids';
import { noteProblem } from '../../common/input-bounds';
import { Connection, PageArgs, toConnection, toPageRequest } from '../../common/pagination';
import { SqlParams } from '../../db/parent-relations';
import { rowScopeForOperation } from '../../privacy/row-scope';
import type { RequestContext } from '../../request/context';
import type { AuditService } from '../audit/audit.service';
import { TaskOutcome, TaskReason, TaskStatus } from './task.enums';
import { RetentionTask } from './task.type';

const TASK_COLUMNS = `t.id, t.status, e.signals, e.tier, t.opened_at AS "openedAt", e.ended_at AS "signalsClearedAt",
  t.due_on AS "dueOn", t.outcome, t.reason, t.note, t.completed_at AS "completedAt", t.completed_by AS "completedBy",
  t.customer_id AS "customerId", t.assignee_id AS "assigneeId", t.branch_id AS "branchId"`;

/**
 * The tasks a caller works on, as one SQL condition on a task alias. A task
 * is assigned to a relationship manager (the customer's when it opened) or,
 * for a customer without one, to the branch. The roles that may call
 * `operation` lend their row scope (PRODUCT.md §2): a relationship manager's
 * is their own book, so their own tasks; branch staff's is their branch, so
 * the branch's tasks. A manager's task is not the branch's: branch staff do
 * not see or complete it, and a manager does not see the branch's tasks of
 * customers outside every book.
 */
function workedBySql(
  ctx: RequestContext,
  root: 'Query' | 'Mutation',
  operation: string,
  alias: string,
  bind: SqlParams['bind'],
) {
  const scope = rowScopeForOperation(ctx.principal, ctx.privacy, root, operation);
  const managers = scope.all ? [] : scope.managerIds;
  const branches = scope.all ? [] : scope.branchIds;
  return `(${alias}.assignee_id = ANY(${bind(managers, 'uuid[]')})
    OR (${alias}.assignee_id IS NULL AND ${alias}.branch_id = ANY(${bind(branches, 'uuid[]')})))`;
}

export class TaskService {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** The caller's tasks, earliest due first. */
  async mine(ctx: RequestContext, status: TaskStatus | null, args: PageArgs): Promise<Connection<RetentionTask>> {
    const page = toPageRequest(args, dateAndId);
    const matching = (params: SqlParams) =>
      `${workedBySql(ctx, 'Query', 'myTasks', 't', params.bind)}
       AND (${params.bind(status, 'text')} IS NULL OR t.status = ${params.bind(status, 'text')})`;
    const params = new SqlParams();
    const where = matching(params);
    const after = page.after
      ? `AND (t.due_on, t.id) > (${params.bind(page.after[0], 'date')}, ${params.bind(page.after[1], 'uuid')})`
      : '';
    const rows: RetentionTask[] = await ctx.reads.query(
      `SELECT ${TASK_COLUMNS} FROM retention_task t JOIN churn_episode e ON e.id = t.episode_id
       WHERE ${where} ${after}
       ORDER BY t.due_on, t.id LIMIT ${params.bind(page.limit + 1, 'int')}`,
      params.values,
    );
    return toConnection(
      rows,
      page.limit,
      (r) => [r.dueOn, r.id],
      (r) => r,
      async () => {
        const count = new SqlParams();
        const [{ n }] = await ctx.reads.query(
          `SELECT count(*)::int AS n FROM retention_task t WHERE ${matching(count)}`,
          count.values,
        );
        return n;
      },
    );
  }

  /**
   * Records what came of a follow-up, once. A task the caller does not work
   * on is NOT_FOUND, like a missing one (ids cannot be probed); a completed
   * one is CONFLICT. The row lock serialises two completions of one task.
   */
  complete(
    ctx: RequestContext,
    id: string,
    outcome: TaskOutcome,
    reason: TaskReason,
    note: string | null,
  ): Promise<RetentionTask> {
    assertId('id', id);
    const problem = note === null ? undefined : noteProblem(note);
    if (problem) throw badUserInput('note', `note ${problem}`);
    return this.ds.transaction(async (em) => {
      const params = new SqlParams();
      const [task]: { status: TaskStatus; customerId: string }[] = await em.query(
        `SELECT t.status, t.customer_id AS "customerId" FROM retention_task t
         WHERE t.id = ${params.bind(id, 'uuid')} AND ${workedBySql(ctx, 'Mutation', 'completeTask', 't', params.bind)}
         FOR UPDATE`,
        params.values,
      );
      if (!task) throw appError('NOT_FOUND', 'No such task');
      if (task.status === TaskStatus.COMPLETED) {
        throw appError('CONFLICT', 'The task is already completed', { status: task.status });
      }
      const [rows]: [RetentionTask[], number] = await em.query(
        `UPDATE retention_task t
         SET status = 'COMPLETED', outcome = $2, reason = $3, note = $4, completed_at = now(), completed_by = $5
         FROM churn_episode e
         WHERE t.id = $1 AND e.id = t.episode_id
         RETURNING ${TASK_COLUMNS}`,
        [id, outcome, reason, note, ctx.principal.id],
      );
      // The note is free text about a customer: the record says only whether there was one.
      await this.audit.recordMutation(
        em,
        ctx,
        'completeTask',
        { taskId: id, outcome, reason, noted: note !== null },
        task.customerId,
      );
      return rows[0];
    });
  }
}
