import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { ConnectionType } from '../../common/pagination';
import { DateTimeScalar } from '../../common/scalars';
import { RevealableField, RevealOutcome, RevealReason } from '../reveal/reveal.enums';

/** The operation of a reveal's record. */
export const REVEAL_OPERATION = 'revealField';

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

@ObjectType('AuditedReveal', {
  simpleResolvers: true,
  description: 'A revealField call, granted or refused: what was asked for, why, and what became of it.',
})
export class AuditedReveal {
  @Field(() => RevealableField)
  field: RevealableField;

  @Field(() => ID, { nullable: true, description: 'The holding, for ACCOUNT_NO (the record names its customer).' })
  holdingId: string | null;

  @Field(() => RevealReason)
  reason: RevealReason;

  @Field({ description: "The caller's own words on why." })
  note: string;

  @Field(() => String, { nullable: true, description: 'A ticket or case number, when the caller gave one.' })
  ticket: string | null;

  @Field(() => RevealOutcome)
  outcome: RevealOutcome;
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

  @Field(() => [String], {
    description:
      'GraphQL field names read in full (or filtered on, or asked for by a reveal, granted or refused), such as phone.',
  })
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

  @Field(() => AuditedReveal, { nullable: true, description: 'The reveal, on a revealField record.' })
  reveal: AuditedReveal | null;
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

  @Field(() => String, {
    nullable: true,
    description: 'Records of this operation: READ, customers.filter, or a mutation such as revealField.',
  })
  operation?: string | null;

  @Field(() => RevealReason, { nullable: true, description: 'Reveals (granted or refused) given this reason.' })
  revealReason?: RevealReason | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Inclusive.' })
  from?: Date | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Exclusive.' })
  to?: Date | null;
}

export const AuditRecordConnection = ConnectionType(AuditRecord, 'AuditRecord');
