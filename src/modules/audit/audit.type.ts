import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { ConnectionType } from '../../common/pagination';
import { DateTimeScalar } from '../../common/scalars';

@ObjectType('AuditRecord', { simpleResolvers: true, description: 'A full read of sensitive fields, or a mutation.' })
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

  @Field(() => [String], { description: 'GraphQL field names read in full, such as phone.' })
  fields: string[];

  @Field({ description: 'READ, or the mutation name.' })
  operation: string;

  @Field(() => String, { nullable: true, description: 'The GraphQL operation name the client sent.' })
  operationName: string | null;

  @Field()
  requestId: string;
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
