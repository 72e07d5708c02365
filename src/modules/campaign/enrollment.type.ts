import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType } from '../../common/pagination';

/** In the order targeting checks them (PRODUCT.md §4): the first that applies is reported. */
export enum SkipReason {
  /** An explicit withdrawal of personalised marketing; counted, never listed to marketing callers. */
  OPTED_OUT = 'OPTED_OUT',
  /** No granted marketing consent on any campaign channel, or no personalised-marketing record at all. */
  NO_CONSENT = 'NO_CONSENT',
  /** Screened out (an AML rating of HIGH); the cause is named only in the audit record. */
  NOT_ELIGIBLE = 'NOT_ELIGIBLE',
  /** KYC status other than VERIFIED. */
  KYC_NOT_CURRENT = 'KYC_NOT_CURRENT',
  /** This calendar month's campaign contacts (the tier's monthly contact cap) are used up. */
  FREQUENCY_CAPPED = 'FREQUENCY_CAPPED',
  UNSUITABLE = 'UNSUITABLE',
  NO_ASSESSMENT = 'NO_ASSESSMENT',
  ASSESSMENT_EXPIRED = 'ASSESSMENT_EXPIRED',
  /** Under 18, whatever the product; or 65 or over, for a product above R3. */
  AGE_RESTRICTED = 'AGE_RESTRICTED',
  ALREADY_ENROLLED = 'ALREADY_ENROLLED',
}
registerEnumType(SkipReason, { name: 'SkipReason' });

@ObjectType('EnrollmentSkipCount', { simpleResolvers: true })
export class EnrollmentSkipCount {
  @Field(() => SkipReason)
  reason: SkipReason;

  @Field(() => Int)
  count: number;
}

@ObjectType('SkippedCustomer', { simpleResolvers: true })
export class SkippedCustomer {
  @Field(() => ID)
  customerId: string;

  @Field()
  customerNo: string;

  @Field(() => SkipReason)
  reason: SkipReason;
}

export const SkippedCustomerConnection = ConnectionType(SkippedCustomer, 'SkippedCustomer');

@ObjectType('EnrollmentResult', { simpleResolvers: true })
export class EnrollmentResult {
  @Field(() => ID, { description: 'Identifies this run; its skipped customers stay listed under it.' })
  runId: string;

  @Field(() => Int)
  enrolled: number;

  @Field(() => [EnrollmentSkipCount], { description: 'Per reason, only reasons that occurred.' })
  skipped: EnrollmentSkipCount[];
}
