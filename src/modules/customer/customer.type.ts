import { Field, ID, ObjectType } from 'type-graphql';
import type { AddressParts } from '../../privacy/masks';
import { ConnectionType } from '../../common/pagination';
import { Branch, RelationshipManager } from '../organisation/organisation.type';
import { DateScalar, DecimalScalar } from '../../common/scalars';
import { AgeBand, AumBand, ChurnSignal, Gender, KycStatus, LifecycleStage, Tier } from './customer.enums';
import { Computed } from '../../common/computed';

/**
 * The profile part of the 360° view. Relations (branch, tags, holdings...)
 * are added by each module's own field resolvers. Every field that the
 * privacy policy can deny is nullable, so a denial nulls the field and not
 * its parent.
 *
 * simpleResolvers (on every object type here): leaf fields use graphql-js's
 * default resolver instead of a type-graphql wrapper that would run per field
 * per row; the privacy pass works on whole objects where rows load instead.
 */
@ObjectType('Customer', { simpleResolvers: true })
export class Customer {
  @Field(() => ID)
  id: string;

  @Field()
  customerNo: string;

  @Field(() => String, { nullable: true })
  name: string | null;

  @Field(() => Gender)
  gender: Gender;

  @Field(() => DateScalar, { nullable: true })
  birthDate: string | null;

  @Field(() => AgeBand)
  ageBand: AgeBand;

  @Field(() => String, { nullable: true })
  idNumber: string | null;

  @Field(() => String, { nullable: true, description: '11-digit mainland mobile number, without +86.' })
  phone: string | null;

  @Field(() => String, { nullable: true })
  email: string | null;

  @Field(() => String, { nullable: true, description: 'Province, city, district and street.' })
  address: string | null;

  @Field()
  city: string;

  @Field(() => Tier)
  tier: Tier;

  @Field(() => LifecycleStage)
  lifecycleStage: LifecycleStage;

  @Field(() => DecimalScalar, { nullable: true, description: 'Assets under management in CNY.' })
  aum: string | null;

  @Field(() => AumBand)
  aumBand: AumBand;

  @Field(() => KycStatus)
  kycStatus: KycStatus;

  @Field(() => [ChurnSignal])
  churnSignals: ChurnSignal[];

  /** Filled by the customer's loader: the cached branch, or a lazy load (no resolver pipeline per customer). */
  @Field(() => Branch)
  @Computed()
  branch: Branch | (() => Promise<Branch | null>);

  @Field(() => RelationshipManager, { nullable: true })
  @Computed()
  relationshipManager: RelationshipManager | null | (() => Promise<RelationshipManager | null>);

  // Not fields: keys of relations resolved through loaders, what decides
  // which role columns cover the customer, the address in parts for its mask, and the
  // age in years on the request's business date (what ageBand and riskWarnings derive from,
  // since a sensitive field such as birthDate reaches resolvers only as its audited read).
  ageYears: number;
  branchId: string;
  relationshipManagerId: string | null;
  personalisedMarketingWithdrawn: boolean;
  addressParts: AddressParts;
}

export const CustomerConnection = ConnectionType(Customer, 'Customer', { countWithheld: true });
