import { DataSource } from 'typeorm';
import { appError } from '../../common/errors';
import { instantAndId } from '../../common/cursor-keys';
import { assertId } from '../../common/ids';
import { Connection, PageArgs, toConnection, toPageRequest } from '../../common/pagination';
import type { Config } from '../../config';
import { SqlParams } from '../../db/parent-relations';
import { rowScopeForOperation } from '../../privacy/row-scope';
import type { RequestContext } from '../../request/context';
import type { AuditService } from '../audit/audit.service';
import { LeadStatus } from './lead.enums';
import { mayMoveLead } from './lead-rules';
import { Lead, LeadFilter } from './lead.type';
import type { Keyring, Queryable } from '../../privacy/encryption/keyring';

const leadColumns = (overdueHours: string) => `l.id, l.name, l.phone, l.city, l.product_interest AS "productInterest",
  l.source_channel AS "sourceChannel", l.intent, l.status,
  (l.intent = 'HIGH' AND l.status = 'NEW' AND l.created_at < now() - make_interval(hours => ${overdueHours})) AS overdue,
  l.created_at AS "createdAt", l.contacted_at AS "contactedAt", l.updated_at AS "updatedAt",
  l.customer_id AS "customerId", l.assignee_id AS "assigneeId", l.branch_id AS "branchId"`;

/**
 * The leads a caller works on, as one SQL condition on a lead alias: a
 * relationship manager's are those routed to them; branch staff's, every
 * lead routed to their branch (to a manager there or to the branch itself);
 * roles whose scope is every customer (auditors) see every lead. Only the
 * roles that may call `operation` lend their scope.
 */
function workedBySql(ctx: RequestContext, root: 'Query' | 'Mutation', operation: string, params: SqlParams) {
  const scope = rowScopeForOperation(ctx.principal, ctx.privacy, root, operation);
  if (scope.all) return 'true';
  return `(l.assignee_id = ANY(${params.bind(scope.managerIds, 'uuid[]')})
    OR l.branch_id = ANY(${params.bind(scope.branchIds, 'uuid[]')}))`;
}

export class LeadService {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditService,
    private readonly config: Config['leads'],
    private readonly keyring: Keyring,
  ) {}

  /** A lead as it leaves the database: its phone is stored encrypted (privacy/encryption). */
  private opened(db: Queryable, rows: Lead[]): Promise<Lead[]> {
    return this.keyring.open(db, 'lead', rows, { phone: 'phone' });
  }

  /** The caller's leads, newest first. */
  async list(ctx: RequestContext, filter: LeadFilter | null, args: PageArgs): Promise<Connection<Lead>> {
    const page = toPageRequest(args, instantAndId);
    const status = filter?.status ?? null;
    const intent = filter?.intent ?? null;
    const matching = (params: SqlParams) =>
      `${workedBySql(ctx, 'Query', 'leads', params)}
       AND (${params.bind(status, 'text')} IS NULL OR l.status = ${params.bind(status, 'text')})
       AND (${params.bind(intent, 'text')} IS NULL OR l.intent = ${params.bind(intent, 'text')})`;
    const params = new SqlParams();
    const where = matching(params);
    const after = page.after
      ? `AND (l.created_at, l.id) < (${params.bind(page.after[0], 'timestamptz')}, ${params.bind(page.after[1], 'uuid')})`
      : '';
    const rows = await this.opened(
      ctx.reads,
      await ctx.reads.query(
        `SELECT ${leadColumns(params.bind(this.config.highIntentContactHours, 'int'))} FROM lead l
         WHERE ${where} ${after}
         ORDER BY l.created_at DESC, l.id DESC LIMIT ${params.bind(page.limit + 1, 'int')}`,
        params.values,
      ),
    );
    return toConnection(
      rows,
      page.limit,
      (r) => [r.createdAt.toISOString(), r.id],
      (r) => r,
      async () => {
        const count = new SqlParams();
        const [{ n }] = await ctx.reads.query(
          `SELECT count(*)::int AS n FROM lead l WHERE ${matching(count)}`,
          count.values,
        );
        return n;
      },
    );
  }

  /**
   * Moves a lead one step (LEAD_TRANSITIONS). A lead the caller does not work
   * on is NOT_FOUND like a missing one; a move the status does not allow is
   * CONFLICT. The row lock serialises two updates of one lead.
   */
  update(ctx: RequestContext, id: string, status: LeadStatus): Promise<Lead> {
    assertId('id', id);
    return this.ds.transaction(async (em) => {
      const params = new SqlParams();
      const [lead]: { status: LeadStatus; customerId: string | null }[] = await em.query(
        `SELECT l.status, l.customer_id AS "customerId" FROM lead l
         WHERE l.id = ${params.bind(id, 'uuid')} AND ${workedBySql(ctx, 'Mutation', 'updateLead', params)}
         FOR UPDATE`,
        params.values,
      );
      if (!lead) throw appError('NOT_FOUND', 'No such lead');
      if (!mayMoveLead(lead.status, status)) {
        throw appError('CONFLICT', `A ${lead.status} lead cannot move to ${status}`, { status: lead.status });
      }
      const [rows]: [Lead[], number] = await em.query(
        `UPDATE lead l SET status = $2, updated_at = now(),
           contacted_at = CASE WHEN $2 = 'CONTACTED' THEN now() ELSE l.contacted_at END
         WHERE l.id = $1
         RETURNING ${leadColumns('$3')}`,
        [id, status, this.config.highIntentContactHours],
      );
      // Statuses only: nothing about the prospect.
      await this.audit.recordMutation(
        em,
        ctx,
        'updateLead',
        { leadId: id, from: lead.status, to: status },
        lead.customerId,
      );
      return (await this.opened(em, rows))[0];
    });
  }
}
