import { Ctx, Field, ID, ObjectType, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../request/context';
import { Role } from './roles';

@ObjectType('Me', { simpleResolvers: true, description: 'The caller, as their token identifies them.' })
export class Me {
  @Field(() => ID)
  id: string;

  @Field(() => [Role])
  roles: Role[];

  @Field(() => ID, { nullable: true })
  branchId: string | null;

  @Field(() => [String])
  scopes: string[];
}

@Resolver(() => Me)
export class MeResolver {
  @Query(() => Me)
  me(@Ctx() ctx: RequestContext): Me {
    const { id, roles, branchId, scopes } = ctx.principal;
    return { id, roles, branchId: branchId ?? null, scopes };
  }
}
