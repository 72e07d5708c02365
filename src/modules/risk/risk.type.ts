import { Field, ObjectType } from 'type-graphql';
import { DateScalar, DateTimeScalar } from '../../common/scalars';
import { AmlRating, CreditGrade, RiskTolerance } from './risk.enums';

@ObjectType('RiskProfile', {
  simpleResolvers: true,
  description:
    'The latest assessment. Past validUntil it keeps its values, but suitability treats the tolerance as unknown.',
})
export class RiskProfile {
  @Field(() => RiskTolerance)
  riskTolerance: RiskTolerance;

  @Field(() => DateTimeScalar)
  assessedAt: Date;

  @Field(() => DateScalar)
  validUntil: string;

  @Field(() => CreditGrade, { nullable: true })
  creditGrade: CreditGrade | null;

  @Field(() => AmlRating, { nullable: true })
  amlRating: AmlRating | null;
}
