import { Field, ObjectType } from 'type-graphql';
import { DateTimeScalar } from '../../common/scalars';
import { Channel } from '../interaction/interaction.enums';
import { ConsentPurpose } from './consent.enums';

@ObjectType('Consent', { simpleResolvers: true })
export class Consent {
  @Field(() => Channel, { nullable: true, description: 'Set for MARKETING; null for the other purposes.' })
  channel: Channel | null;

  @Field(() => ConsentPurpose)
  purpose: ConsentPurpose;

  @Field()
  granted: boolean;

  @Field(() => DateTimeScalar)
  updatedAt: Date;
}
