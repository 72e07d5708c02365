import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { DateTimeScalar } from '../../common/scalars';
import { RevealableField } from './reveal.enums';

@InputType('RevealTarget', { description: 'Exactly one of customerId (a customer field) and holdingId (ACCOUNT_NO).' })
export class RevealTarget {
  @Field(() => ID, { nullable: true })
  customerId?: string | null;

  @Field(() => ID, { nullable: true })
  holdingId?: string | null;
}

@ObjectType('RevealedValue', {
  simpleResolvers: true,
  description: 'One value in full, once: asking again is another reveal, audited and counted again.',
})
export class RevealedValue {
  @Field(() => RevealableField)
  field: RevealableField;

  @Field(() => String, {
    nullable: true,
    description: 'The full value; null when there is none (a customer without an email).',
  })
  value: string | null;

  @Field(() => ID)
  customerId: string;

  @Field(() => ID, { nullable: true, description: 'The holding, for ACCOUNT_NO.' })
  holdingId: string | null;

  @Field(() => ID, { description: "The audit record of this reveal (auditLog's id)." })
  auditRecordId: string;

  @Field(() => Int, { description: "Reveals the caller has left today, after this one (the bank's calendar day)." })
  remainingToday: number;

  @Field(() => DateTimeScalar, {
    description: "When the caller's daily quota starts again (the next midnight in the bank's time zone).",
  })
  resetsAt: Date;
}
