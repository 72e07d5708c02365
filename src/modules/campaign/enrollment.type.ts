import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType } from '../../common/pagination';
import { DateTimeScalar } from '../../common/scalars';

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

  @Field(() => Int, {
    nullable: true,
    description:
      'Null (SUPPRESSED) when it covers too few customers for the caller, or the other figures would tell one that does; ' +
      'a caller whose small counts are withheld is given every reason, in order.',
  })
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

export const SkippedCustomerConnection = ConnectionType(SkippedCustomer, 'SkippedCustomer', { countWithheld: true });

export enum EnrollmentRunStatus {
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}
registerEnumType(EnrollmentRunStatus, { name: 'EnrollmentRunStatus' });

/** Why a run ended FAILED. The enrolments of the ranges it finished stay; the rest were not touched. */
export enum EnrollmentRunFailure {
  /** The campaign left APPROVED and ACTIVE (completed, cancelled) while the run was under way. */
  CAMPAIGN_NOT_ENROLLABLE = 'CAMPAIGN_NOT_ENROLLABLE',
  /** One range of customers took longer than the job's statement timeout. */
  TIMED_OUT = 'TIMED_OUT',
  /** Taken over too many times: the servers running it kept stopping before it ended. */
  ABANDONED = 'ABANDONED',
  INTERNAL_ERROR = 'INTERNAL_ERROR',
}
registerEnumType(EnrollmentRunFailure, {
  name: 'EnrollmentRunFailure',
  valuesConfig: {
    CAMPAIGN_NOT_ENROLLABLE: { description: 'The campaign left APPROVED and ACTIVE while the run was under way.' },
    TIMED_OUT: { description: "A range of customers took longer than the job's statement timeout." },
    ABANDONED: { description: 'Taken over too many times: the servers running it kept stopping before it ended.' },
  },
});

@ObjectType('EnrollmentRunProgress', { simpleResolvers: true })
export class EnrollmentRunProgress {
  @Field(() => Int, { description: 'Customers looked at so far (screened, or outside the target criteria).' })
  done: number;

  @Field(() => Int, {
    nullable: true,
    description: 'Customers the run looks at: the listed ones, or the whole book; null until the run is planned.',
  })
  total: number | null;
}

@ObjectType('EnrollmentRun', {
  simpleResolvers: true,
  description:
    'One enrollCustomers run: it screens and enrols in the background; follow it with Query.enrollmentRun. ' +
    'Counts are null until it ends.',
})
export class EnrollmentRun {
  @Field(() => ID)
  id: string;

  @Field(() => ID, { deprecationReason: 'Use id.' })
  runId: string;

  @Field(() => ID)
  campaignId: string;

  @Field(() => EnrollmentRunStatus)
  status: EnrollmentRunStatus;

  @Field(() => EnrollmentRunProgress)
  progress: EnrollmentRunProgress;

  @Field(() => Int, {
    nullable: true,
    description: 'Customers enrolled; null until the run ends, or (SUPPRESSED) when too few for the caller.',
  })
  enrolled: number | null;

  @Field(() => [EnrollmentSkipCount], {
    nullable: true,
    description:
      'Per reason, only reasons that occurred (every reason, for a caller whose small cohorts are withheld); ' +
      'null until the run ends.',
  })
  skipped: EnrollmentSkipCount[] | null;

  @Field(() => EnrollmentRunFailure, { nullable: true, description: 'Why the run FAILED; null otherwise.' })
  failureReason: EnrollmentRunFailure | null;

  @Field(() => DateTimeScalar)
  startedAt: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  finishedAt: Date | null;
}
