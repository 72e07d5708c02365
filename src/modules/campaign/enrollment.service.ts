import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { appError, badUserInput } from '../../common/errors';
import { assertId } from '../../common/ids';
import { Connection, PageArgs, toConnection, toPageRequest } from '../../common/pagination';
import { SqlParams } from '../../db/parent-relations';
import { sqlStateOf } from '../../db/sql-state';
import { rowScopeForOperation, scopeSql } from '../../privacy/row-scope';
import type { RequestContext } from '../../request/context';
import { lockCampaign } from './campaign-lock';
import { CampaignStatus } from './campaign.enums';
import { RUN_COLUMNS, RunRow, shownSkipReasons, toEnrollmentRun } from './enrollment-run.row';
import { EnrollmentRun, SkipReason, SkippedCustomer } from './enrollment.type';

const MAX_LISTED_CUSTOMERS = 10_000;
/** The unique index that keeps one RUNNING run per campaign (migration 1765180800000). */
const ONE_RUNNING_INDEX = 'enrollment_run_one_running';

/**
 * Enrolment runs, as the requests see them: enrollCustomers records a run and
 * answers at once; a job runner (enrollment-job.ts, in some server process)
 * screens and enrols, range by range, and writes the counts and the audit
 * record when the run ends. The campaign's segment means what the
 * `customers` filter means (segmentConditions).
 */
export class EnrollmentService {
  constructor(private readonly ds: DataSource) {}

  async start(ctx: RequestContext, campaignId: string, customerIds: string[] | null): Promise<EnrollmentRun> {
    assertId('campaignId', campaignId);
    if (customerIds) {
      if (customerIds.length > MAX_LISTED_CUSTOMERS) {
        throw badUserInput(
          'customerIds',
          `at most ${MAX_LISTED_CUSTOMERS} ids; use the campaign's target criteria for more`,
        );
      }
      customerIds.forEach((id) => assertId('customerIds', id));
    }
    try {
      return await this.ds.transaction(async (em) => {
        // Serialises run starts on one campaign with its lifecycle transitions.
        const campaign = await lockCampaign(em, campaignId);
        if (campaign.status !== CampaignStatus.APPROVED && campaign.status !== CampaignStatus.ACTIVE) {
          throw appError(
            'CONFLICT',
            `Customers are enrolled while a campaign is APPROVED or ACTIVE, not ${campaign.status}`,
            { currentStatus: campaign.status },
          );
        }
        const [running] = await em.query(
          `SELECT id FROM enrollment_run WHERE campaign_id = $1 AND status = 'RUNNING'`,
          [campaignId],
        );
        if (running) throw alreadyRunning(running.id);
        const [row]: RunRow[] = await em.query(
          `INSERT INTO enrollment_run
             (id, campaign_id, requested_by, requested_roles, request_id, customer_ids, listed_scope, business_date)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           RETURNING ${RUN_COLUMNS}`,
          [
            randomUUID(),
            campaignId,
            ctx.principal.id,
            ctx.principal.roles,
            ctx.requestId,
            customerIds ? [...new Set(customerIds.map((id) => id.toLowerCase()))] : null,
            // Listed customers are screened within the row scope of the roles that may enrol (see ScreeningChunk).
            customerIds
              ? JSON.stringify(rowScopeForOperation(ctx.principal, ctx.privacy, 'Mutation', 'enrollCustomers'))
              : null,
            ctx.today,
          ],
        );
        return toEnrollmentRun(row, ctx.privacy.cohorts);
      });
    } catch (error) {
      // The campaign lock makes this unlikely; the index is what guarantees it.
      const constraint = (error as { driverError?: { constraint?: string } }).driverError?.constraint;
      if (sqlStateOf(error) === '23505' && constraint === ONE_RUNNING_INDEX) {
        const [running] = await this.ds.query(
          `SELECT id FROM enrollment_run WHERE campaign_id = $1 AND status = 'RUNNING'`,
          [campaignId],
        );
        throw alreadyRunning(running?.id ?? null);
      }
      throw error;
    }
  }

  async run(ctx: RequestContext, id: string): Promise<EnrollmentRun | null> {
    assertId('id', id);
    const [row]: RunRow[] = await ctx.reads.query(`SELECT ${RUN_COLUMNS} FROM enrollment_run WHERE id = $1`, [id]);
    return row ? toEnrollmentRun(row, ctx.privacy.cohorts) : null;
  }

  /**
   * The skipped customers of a run, as they are recorded (a running run lists
   * the ranges it has done). Those who opted out are counted
   * (EnrollmentRun.skipped) and never listed to a marketing caller, nor is
   * anyone outside the caller's row scope (PRODUCT.md §2: a withdrawal of
   * personalised marketing takes the customer out of marketing's sight).
   * To a caller whose small cohorts are withheld, a reason that fewer than
   * K customers of the run were skipped for lists nobody: its rows would
   * count what its withheld count hides.
   */
  async skippedCustomers(ctx: RequestContext, runId: string, args: PageArgs): Promise<Connection<SkippedCustomer>> {
    const page = toPageRequest(args, ([no]) => (typeof no === 'string' && !no.includes('\0') ? no : undefined));
    const shown = await this.shownReasons(ctx, runId);
    const params = new SqlParams();
    const where = `s.run_id = ${params.bind(runId, 'uuid')} AND ${visibleSkips(ctx, 's', 'c', params.bind)}
      ${largeReasons(ctx, runId, shown, params.bind)}`;
    const rows: SkippedCustomer[] = await ctx.reads.query(
      `SELECT s.customer_id AS "customerId", c.customer_no AS "customerNo", s.reason
       FROM enrollment_skip_row s JOIN customer c ON c.id = s.customer_id
       WHERE ${where} AND (${params.bind(page.after ?? null, 'text')} IS NULL OR c.customer_no > ${params.bind(page.after ?? null, 'text')})
       ORDER BY c.customer_no LIMIT ${params.bind(page.limit + 1, 'int')}`,
      params.values,
    );
    return toConnection(
      rows,
      page.limit,
      (r) => [r.customerNo],
      (r) => r,
      async () => {
        const count = new SqlParams();
        const [{ n }] = await ctx.reads.query(
          `SELECT count(*)::int AS n FROM enrollment_skip_row s JOIN customer c ON c.id = s.customer_id
           WHERE s.run_id = ${count.bind(runId, 'uuid')} AND ${visibleSkips(ctx, 's', 'c', count.bind)}
             ${largeReasons(ctx, runId, shown, count.bind)}`,
          count.values,
        );
        // Listed reasons have K customers each, so this is 0 or at least K; 0 is withheld like any small count.
        if (ctx.privacy.cohorts.withholds(n)) throw ctx.privacy.cohorts.error();
        return n;
      },
    );
  }

  /**
   * For a caller whose small cohorts are withheld, the skip reasons of an
   * ended run whose count the run shows them (shownSkipReasons); null for
   * others, and while the run has no counts.
   */
  private async shownReasons(ctx: RequestContext, runId: string): Promise<SkipReason[] | null> {
    if (!ctx.privacy.cohorts.applies) return null;
    const [row]: RunRow[] = await ctx.reads.query(`SELECT ${RUN_COLUMNS} FROM enrollment_run WHERE id = $1`, [runId]);
    return row ? shownSkipReasons(row, ctx.privacy.cohorts) : null;
  }
}

/** The skips a caller may see listed: none who opted out, and only customers in their row scope. */
function visibleSkips(ctx: RequestContext, skip: string, customer: string, bind: SqlParams['bind']): string {
  return ctx.scope.all ? 'true' : `${skip}.reason <> 'OPTED_OUT' AND ${scopeSql(ctx.scope, customer, bind)}`;
}

/**
 * For a caller whose small cohorts are withheld, only reasons that K
 * customers or more the caller may see were skipped for, and, once the run
 * has counts, whose count it shows them (`shown`: a count withheld to
 * protect another would be told by its rows); nothing for others. Counted
 * over the visible skips: a reason large only thanks to customers out of
 * sight would list fewer than K.
 */
function largeReasons(
  ctx: RequestContext,
  runId: string,
  shown: readonly SkipReason[] | null,
  bind: SqlParams['bind'],
): string {
  const { cohorts } = ctx.privacy;
  if (!cohorts.applies) return '';
  const counted = shown === null ? '' : `AND s.reason = ANY(${bind(shown, 'text[]')})`;
  // Uncorrelated (the run by its parameter), so it is computed once, not per row.
  return `${counted} AND s.reason IN (SELECT r.reason FROM enrollment_skip_row r JOIN customer rc ON rc.id = r.customer_id
                           WHERE r.run_id = ${bind(runId, 'uuid')} AND ${visibleSkips(ctx, 'r', 'rc', bind)}
                           GROUP BY r.reason HAVING count(*) >= ${bind(cohorts.minimum, 'int')})`;
}

function alreadyRunning(runId: string | null) {
  return appError('CONFLICT', 'An enrolment run of this campaign is still running', { runId });
}
