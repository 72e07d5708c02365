import type { RequestContext } from '../../request/context';

/**
 * Who made the write: a request's context, or what a job kept of the request
 * that started it (an enrolment run ends after its request has answered).
 */
export interface MutationActor {
  principal: Pick<RequestContext['principal'], 'id' | 'roles'>;
  requestId: string;
}

/** What a mutation's audit record says about the write, as SQL expressions of the statement it is part of. */
export interface MutationRecordSource {
  /** The customer written to (a uuid), or NULL. */
  customerId: string;
  /** The detail (jsonb): ids and states, never personal data. */
  detail: string;
  /** The fields the record names (text[]), when it names any: a reveal names the one asked for. */
  fields?: string;
  /** Where those expressions read from (a FROM clause without the keyword); none for constants. */
  from?: string;
}

/**
 * The INSERT of a mutation's audit record. A write that builds its record
 * from rows it writes in the same statement (a CTE part) gets it there, at
 * no statement of its own: no row in `from`, no record, and the record
 * commits or rolls back with the write. `bind` adds a parameter and returns
 * its placeholder.
 */
export function mutationRecordSql(
  ctx: MutationActor,
  operation: string,
  bind: (value: unknown, type: string) => string,
  source: MutationRecordSource,
): string {
  const op = bind(operation, 'text');
  const fields = source.fields ? { column: ', fields', value: `, ${source.fields}` } : { column: '', value: '' };
  return `INSERT INTO audit_record (actor_id, actor_roles, customer_id, operation, operation_name, request_id, detail${fields.column})
    SELECT ${bind(ctx.principal.id, 'text')}, ${bind(ctx.principal.roles, 'text[]')}, ${source.customerId}, ${op}, ${op},
           ${bind(ctx.requestId, 'text')}, ${source.detail}${fields.value}${source.from ? ` FROM ${source.from}` : ''}`;
}
