import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { DateScalar, DateTimeScalar } from '../../common/scalars';
import { ErasureReason } from './data-subject.enums';

@ObjectType('DataSubjectExport', {
  description:
    'Everything held about one customer, as one document (PIPL Art. 45), read under the privacy policy like any ' +
    'other read of that customer.',
})
export class DataSubjectExport {
  @Field(() => ID)
  customerId: string;

  @Field(() => DateTimeScalar)
  generatedAt: Date;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: 'Set when the customer was erased: then only what a legal hold keeps is left.',
  })
  erasedAt: Date | null;

  @Field(() => DateScalar, { nullable: true, description: 'Until when a legal hold keeps part of an erased customer.' })
  heldUntil: string | null;

  @Field(() => GraphQLJSONObject, {
    description:
      'Sections by name (profile, holdings, interactions, consents, tags, campaignEnrollments, riskAssessments, ' +
      'aumHistory, leads, retentionTasks); field names are the API fields they are read as.',
  })
  document: Record<string, unknown>;

  @Field(() => [String], { description: 'Type.field of what the privacy policy withheld from you.' })
  withheld: string[];

  @Field(() => [String], { description: 'What the law keeps out of an export, and why.' })
  exemptions: string[];
}

@ObjectType('ErasedRecordCount')
export class ErasedRecordCount {
  @Field({ description: 'The kind of record: interactions, consents, tags and so on.' })
  kind: string;

  @Field(() => Int)
  count: number;
}

@ObjectType('ErasureReceipt', { description: 'What an erasure removed and what a legal hold keeps.' })
export class ErasureReceipt {
  @Field(() => ID)
  customerId: string;

  @Field(() => ErasureReason)
  reason: ErasureReason;

  @Field(() => DateTimeScalar)
  erasedAt: Date;

  @Field(() => DateScalar, { nullable: true, description: 'Until when identity and transaction records are held.' })
  heldUntil: string | null;

  @Field(() => [String], { description: 'The kinds of record the legal hold keeps.' })
  held: string[];

  @Field(() => [ErasedRecordCount], {
    description: 'Records deleted, by kind; empty when the customer was already erased.',
  })
  removed: ErasedRecordCount[];

  @Field({ description: 'True when this customer had been erased before: nothing was done this time.' })
  alreadyErased: boolean;
}
