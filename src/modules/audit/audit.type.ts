import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { ConnectionType } from '../../common/pagination';
import { DateTimeScalar } from '../../common/scalars';

@ObjectType('AuditedFilterArgument', { simpleResolvers: true })
export class AuditedFilterArgument {
  @Field({ description: 'A CustomerFilter argument, such as aumMin.' })
  name: string;

  @Field(() => [String], {
    description: 'Its values as sent; a search text only as its keyed hash, hmac-sha256:<hex> (AUDIT_HASH_KEY).',
  })
  values: string[];
}

@ObjectType('AuditedFilter', {
  simpleResolvers: true,
  description: 'A customers filter that read a sensitive field: every argument it narrowed on, and what it matched.',
})
export class AuditedFilter {
  @Field(() => [AuditedFilterArgument])
  arguments: AuditedFilterArgument[];

  @Field(() => Int, { description: 'How many customers the whole filter matched (its totalCount).' })
  matched: number;
}

@ObjectType('AuditedRefusals', {
  simpleResolvers: true,
  description: 'What one request was refused: FORBIDDEN fields, filters and root operations.',
})
export class AuditedRefusals {
  @Field(() => [String], { description: 'Fields answered FORBIDDEN, as Type.field (each once, however many rows).' })
  fields: string[];

  @Field(() => [String], { description: 'Filter arguments refused, such as filter.aumMin.' })
  filters: string[];

  @Field(() => [String], { description: 'Root fields refused by the operation policy, such as Query.auditLog.' })
  operations: string[];
}

@ObjectType('AuditRecord', {
  simpleResolvers: true,
  description: 'A full read of sensitive fields (of a customer, or through a filter), or a mutation.',
})
export class AuditRecord {
  @Field(() => ID)
  id: string;

  @Field(() => DateTimeScalar)
  occurredAt: Date;

  @Field()
  actorId: string;

  @Field(() => [String])
  actorRoles: string[];

  @Field(() => ID, { nullable: true })
  customerId: string | null;

  @Field(() => [String], { description: 'GraphQL field names read in full (or filtered on), such as phone.' })
  fields: string[];

  @Field({
    description:
      'READ, customers.filter (a filter on a sensitive field), REFUSED (what a request was refused), or the mutation name.',
  })
  operation: string;

  @Field(() => String, { nullable: true, description: 'The GraphQL operation name the client sent.' })
  operationName: string | null;

  @Field()
  requestId: string;

  @Field(() => AuditedFilter, { nullable: true, description: 'The filter, on a customers.filter record.' })
  filter: AuditedFilter | null;

  @Field(() => AuditedRefusals, { nullable: true, description: 'What the request was refused, on a REFUSED record.' })
  refusals: AuditedRefusals | null;
}

@InputType()
export class AuditLogFilter {
  @Field(() => String, { nullable: true })
  actorId?: string | null;

  @Field(() => ID, { nullable: true })
  customerId?: string | null;

  @Field(() => String, { nullable: true, description: 'Records that list this field, such as phone.' })
  field?: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Inclusive.' })
  from?: Date | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Exclusive.' })
  to?: Date | null;
}

export const AuditRecordConnection = ConnectionType(AuditRecord, 'AuditRecord');
