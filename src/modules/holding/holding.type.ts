import { Field, ID, ObjectType } from 'type-graphql';
import { ConnectionType } from '../../common/pagination';
import { DateScalar, DecimalScalar } from '../../common/scalars';
import { HoldingStatus, ProductType, RiskLevel } from './holding.enums';
import { Computed } from '../../common/computed';

@ObjectType('Product', { simpleResolvers: true })
export class Product {
  @Field(() => ID)
  id: string;

  @Field()
  code: string;

  @Field()
  name: string;

  @Field(() => ProductType)
  type: ProductType;

  @Field(() => RiskLevel)
  riskLevel: RiskLevel;
}

@ObjectType('Holding', { simpleResolvers: true })
export class Holding {
  @Field(() => ID)
  id: string;

  @Field(() => String, { nullable: true })
  accountNo: string | null;

  @Field(() => DecimalScalar, { nullable: true, description: 'In the holding currency.' })
  balance: string | null;

  @Field({ description: 'ISO 4217 code.' })
  currency: string;

  @Field(() => DateScalar)
  openedAt: string;

  @Field(() => DateScalar, { nullable: true })
  maturityDate: string | null;

  @Field(() => HoldingStatus)
  status: HoldingStatus;

  /**
   * A plain field, not a field resolver: the loader sets it to a function
   * that loads the product (graphql-js's default resolver calls it), which
   * spares every holding of a page type-graphql's resolver pipeline.
   */
  @Field(() => Product)
  @Computed()
  product: Product | (() => Promise<Product | null>);

  productId: string;
}

export const HoldingConnection = ConnectionType(Holding, 'Holding');
