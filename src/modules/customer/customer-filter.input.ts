import { Field, ID, InputType } from 'type-graphql';
import { DecimalScalar } from '../../common/scalars';
import { RiskTolerance } from '../risk/risk.enums';
import { AumBand, LifecycleStage, Tier } from './customer.enums';

@InputType()
export class CustomerFilter {
  @Field(() => [Tier], { nullable: true })
  tiers?: Tier[] | null;

  @Field(() => [LifecycleStage], { nullable: true })
  lifecycleStages?: LifecycleStage[] | null;

  @Field(() => [ID], { nullable: true })
  branchIds?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Customers holding every one of these (unexpired) tags.' })
  tagCodes?: string[] | null;

  @Field(() => RiskTolerance, {
    nullable: true,
    description: 'Customers whose current (unexpired) assessment is at least this tolerance.',
  })
  minRiskTolerance?: RiskTolerance | null;

  @Field(() => DecimalScalar, { nullable: true, description: 'Inclusive lower bound of AUM. Not with aumBands.' })
  aumMin?: string | null;

  @Field(() => DecimalScalar, { nullable: true, description: 'Exclusive upper bound of AUM. Not with aumBands.' })
  aumMax?: string | null;

  @Field(() => [AumBand], { nullable: true })
  aumBands?: AumBand[] | null;

  @Field(() => String, { nullable: true, description: 'Prefix of the name or of the customer number.' })
  search?: string | null;
}

/** A field of the privacy policy, as `Type.field` (FIELD_POLICY's keys). */
type PolicyField = `${string}.${string}`;

interface FilterArgumentRule {
  /** What the argument narrows on. A filter on a field some role does not read in full is a read of it. */
  reads: PolicyField;
  /**
   * What the query does for a caller who does not read `reads` in full.
   * Absent: the argument is refused (FORBIDDEN), so a new sensitive filter
   * cannot leak what masking hides before someone decides otherwise.
   */
  otherwise?: 'matchesCustomerNoOnly';
  /** Free text that may be the personal value itself: its audit record keeps only a keyed hash. */
  recordedAs?: 'keyedHash';
}

/**
 * The one place that says what each filter argument reads (PRODUCT.md §3).
 * Whether that read is sensitive comes from the policy, not from here; the
 * mapped type makes a new CustomerFilter argument fail to compile until it
 * has a row. `aumBands` reads the band, which every role reads in full: it
 * tells no more than `aumBand` on each customer returned, so it is no read
 * of AUM and leaves no record.
 */
export const CUSTOMER_FILTER_READS: { readonly [K in keyof Required<CustomerFilter>]: FilterArgumentRule } = {
  tiers: { reads: 'Customer.tier' },
  lifecycleStages: { reads: 'Customer.lifecycleStage' },
  branchIds: { reads: 'Customer.branch' },
  tagCodes: { reads: 'Customer.tags' },
  minRiskTolerance: { reads: 'RiskProfile.riskTolerance' },
  aumMin: { reads: 'Customer.aum' },
  aumMax: { reads: 'Customer.aum' },
  aumBands: { reads: 'Customer.aumBand' },
  // Also the customer number, which every role reads in full.
  search: { reads: 'Customer.name', otherwise: 'matchesCustomerNoOnly', recordedAs: 'keyedHash' },
};
