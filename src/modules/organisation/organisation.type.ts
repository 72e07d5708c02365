import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType('Branch', { simpleResolvers: true })
export class Branch {
  @Field(() => ID)
  id: string;

  @Field()
  code: string;

  @Field()
  name: string;

  @Field()
  city: string;
}

@ObjectType('RelationshipManager', {
  simpleResolvers: true,
  description: 'A staff member who looks after a book of customers.',
})
export class RelationshipManager {
  @Field(() => ID)
  id: string;

  @Field()
  name: string;
}
