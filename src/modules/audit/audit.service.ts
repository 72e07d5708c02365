import { DataSource, EntityManager } from 'typeorm';
import { instantAndSerial } from '../../common/cursor-keys';
import { assertId } from '../../common/ids';
import { Connection, PageArgs, toConnection, toPageRequest } from '../../common/pagination';
import { SqlParams } from '../../db/parent-relations';
import type { RequestContext } from '../../request/context';
import { AuditRecordEntity } from './audit-record.entity';
import type { AuditedRefusals, FilterRead } from './audit-trail';
import { AuditedFilter, AuditedReveal, AuditLogFilter, AuditRecord, REVEAL_OPERATION } from './audit.type';
import { mutationRecordSql } from './mutation-record';
import { ReadAuditWriter } from './read-audit-writer';
import { keyedHash } from '../../privacy/keyed-hash';

/** The operation of a filter's record: the query it filtered, then `.filter`. */
export const CUSTOMERS_FILTER_OPERATION = 'customers.filter';
/** The operation of the record of what a request was refused. */
export const REFUSED_OPERATION = 'REFUSED';

export class AuditService {
  /** Writes read-audit records (group commit); not where the service reads: that is the request's `ctx.reads`. */
  private readonly readAuditWriter: ReadAuditWriter;

  constructor(
    ds: DataSource,
    private readonly hashKey: string,
  ) {
    this.readAuditWriter = new ReadAuditWriter(ds);
  }

  /** Requests whose read-audit records wait behind the batch being written (their responses wait too). */
  get readAuditsWaiting(): number {
    return this.readAuditWriter.requestsWaiting;
  }

  /**
   * What an audit record keeps of a text that may be personal data itself (a
   * name prefix): equal texts give equal hashes, so an auditor holding the
   * key can tell whether someone searched for a given name, while the log
   * alone reveals nothing, not even to a dictionary of likely names.
   */
  keyedHash(text: string): string {
    return keyedHash(this.hashKey, text);
  }

  /**
   * One record per customer read in full and one per sensitive filter, in one
   * statement, written together with other requests' records when the server
   * is busy. A filter's matched count may still need a query: if it fails,
   * nothing is written and the caller withholds the response. What the
   * request was refused (denied fields, filters, operations) is one more
   * record, about no one customer.
   */
  async recordReads(
    ctx: RequestContext,
    entries: { customerId: string; fields: string[] }[],
    filters: readonly FilterRead[],
    operationName: string | null,
    refusals: AuditedRefusals | null = null,
  ): Promise<void> {
    const matched = await Promise.all(filters.map((f) => f.matched()));
    const who = { actorId: ctx.principal.id, actorRoles: ctx.principal.roles, operationName, requestId: ctx.requestId };
    await this.readAuditWriter.write([
      ...entries.map((e) => ({ ...who, customerId: e.customerId, fields: e.fields })),
      ...filters.map((f, i) => ({
        ...who,
        customerId: null,
        fields: f.fields,
        operation: CUSTOMERS_FILTER_OPERATION,
        detail: { filter: { arguments: f.arguments, matched: matched[i] } },
      })),
      ...(refusals
        ? [{ ...who, customerId: null, fields: [], operation: REFUSED_OPERATION, detail: { refusals } }]
        : []),
    ]);
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
    const params = new SqlParams();
    const insert = mutationRecordSql(ctx, operation, params.bind, {
      customerId: params.bind(customerId, 'uuid'),
      detail: params.bind(JSON.stringify(detail), 'jsonb'),
    });
    await em.query(insert, params.values);
  }

  /**
   * A reveal's record, granted or refused, in the caller's transaction (the
   * one that takes the quota slot). `field` is the GraphQL field name, as in
   * read records, so that auditLog's field filter finds reveals with reads.
   */
  async recordReveal(
    em: EntityManager,
    ctx: RequestContext,
    customerId: string | null,
    field: string,
    reveal: AuditedReveal,
  ): Promise<string> {
    const params = new SqlParams();
    const insert = mutationRecordSql(ctx, REVEAL_OPERATION, params.bind, {
      customerId: params.bind(customerId, 'uuid'),
      detail: params.bind(JSON.stringify({ reveal }), 'jsonb'),
      fields: params.bind([field], 'text[]'),
    });
    const [{ id }] = await em.query(`${insert} RETURNING id`, params.values);
    return String(id);
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
      if (filter?.operation) q.andWhere('a.operation = :operation', { operation: filter.operation });
      if (filter?.revealReason) {
        q.andWhere(`a.operation = '${REVEAL_OPERATION}' AND a.detail->'reveal'->>'reason' = :reason`, {
          reason: filter.revealReason,
        });
      }
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
      // int8 arrives as a number (db/pg-types.ts); the cursor keeps the serial as text, as instantAndSerial reads it.
      (a) => [a.occurredAt.toISOString(), String(a.id)],
      (a): AuditRecord => ({
        ...a,
        filter: a.operation === CUSTOMERS_FILTER_OPERATION ? (a.detail?.filter as AuditedFilter) : null,
        reveal: a.operation === REVEAL_OPERATION ? (a.detail?.reveal as AuditedReveal) : null,
        refusals: a.operation === REFUSED_OPERATION ? (a.detail?.refusals as AuditedRefusals) : null,
      }),
      () => matching().getCount(),
    );
  }
}
