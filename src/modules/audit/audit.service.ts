import { DataSource, EntityManager } from 'typeorm';
import { instantAndSerial } from '../../common/cursor-keys';
import { assertId } from '../../common/ids';
import { Connection, PageArgs, toConnection, toPageRequest } from '../../common/pagination';
import type { RequestContext } from '../../request/context';
import { AuditRecordEntity } from './audit-record.entity';
import { AuditLogFilter, AuditRecord } from './audit.type';
import { ReadAuditWriter } from './read-audit-writer';

export class AuditService {
  private readonly reads: ReadAuditWriter;

  constructor(ds: DataSource) {
    this.reads = new ReadAuditWriter(ds);
  }

  /** One record per customer read in full; written together with other requests' records when the server is busy. */
  recordReads(
    ctx: RequestContext,
    entries: { customerId: string; fields: string[] }[],
    operationName: string | null,
  ): Promise<void> {
    return this.reads.write(
      entries.map((e) => ({
        actorId: ctx.principal.id,
        actorRoles: ctx.principal.roles,
        customerId: e.customerId,
        fields: e.fields,
        operationName,
        requestId: ctx.requestId,
      })),
    );
  }

  /**
   * A mutation's record, written with the caller's EntityManager so that it
   * commits or rolls back with the write it records. `detail` holds ids and
   * states, never personal data.
   */
  async recordMutation(
    em: EntityManager,
    ctx: RequestContext,
    operation: string,
    detail: Record<string, unknown>,
    customerId: string | null = null,
  ): Promise<void> {
    await em.query(
      `INSERT INTO audit_record (actor_id, actor_roles, customer_id, operation, operation_name, request_id, detail)
       VALUES ($1, $2::text[], $3, $4, $4, $5, $6::jsonb)`,
      [ctx.principal.id, ctx.principal.roles, customerId, operation, ctx.requestId, JSON.stringify(detail)],
    );
  }

  /** The audit log, newest first. */
  async page(
    ctx: RequestContext,
    filter: AuditLogFilter | null | undefined,
    args: PageArgs,
  ): Promise<Connection<AuditRecord>> {
    const page = toPageRequest(args, instantAndSerial);
    const matching = () => {
      const q = ctx.reads.getRepository(AuditRecordEntity).createQueryBuilder('a').where('true');
      if (filter?.actorId) q.andWhere('a.actor_id = :actorId', { actorId: filter.actorId });
      if (filter?.customerId) {
        assertId('filter.customerId', filter.customerId);
        q.andWhere('a.customer_id = :customerId', { customerId: filter.customerId });
      }
      if (filter?.field) q.andWhere(':field = ANY(a.fields)', { field: filter.field });
      if (filter?.from) q.andWhere('a.occurred_at >= :from', { from: filter.from });
      if (filter?.to) q.andWhere('a.occurred_at < :to', { to: filter.to });
      return q;
    };
    const query = matching()
      .orderBy('a.occurred_at', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .limit(page.limit + 1);
    if (page.after) {
      const [occurredAt, id] = page.after;
      query.andWhere('(a.occurred_at, a.id) < (:occurredAt::timestamptz, :id::bigint)', { occurredAt, id });
    }
    const rows = await query.getMany();
    return toConnection(
      rows,
      page.limit,
      (a) => [a.occurredAt.toISOString(), a.id],
      (a) => a,
      () => matching().getCount(),
    );
  }
}
