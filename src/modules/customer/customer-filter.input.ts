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
