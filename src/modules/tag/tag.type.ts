import { Field, Float, ID, ObjectType } from 'type-graphql';
import { DateTimeScalar } from '../../common/scalars';
import { TagCategory, TagSource } from './tag.enums';

@ObjectType('Tag', { simpleResolvers: true })
export class Tag {
  @Field(() => ID)
  id: string;

  @Field()
  code: string;

  @Field()
  name: string;

  @Field(() => TagCategory)
  category: TagCategory;
}

@ObjectType('CustomerTag', { simpleResolvers: true, description: 'A tag on a customer; expired tags are not listed.' })
export class CustomerTag {
  @Field(() => Tag)
  tag: Tag;

  @Field(() => TagSource)
  source: TagSource;

  @Field(() => Float, { description: 'From 0 to 1.' })
  confidence: number;

  @Field(() => DateTimeScalar)
  assignedAt: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  expiresAt: Date | null;
}
