import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { DateTimeScalar } from '../../common/scalars';
import type { RequestContext } from '../../request/context';
import { CustomerTag } from './tag.type';

@Resolver(() => CustomerTag)
export class TagMutationResolver {
  @Mutation(() => CustomerTag, { description: 'Tags a customer in your scope by hand (source MANUAL).' })
  assignTag(
    @Ctx() ctx: RequestContext,
    @Arg('customerId', () => ID) customerId: string,
    @Arg('tagCode') tagCode: string,
    @Arg('expiresAt', () => DateTimeScalar, { nullable: true }) expiresAt?: Date | null,
  ) {
    return ctx.services.tagCommands.assign(ctx, customerId, tagCode, expiresAt ?? null);
  }

  @Mutation(() => Boolean, { description: 'True when the customer had the tag.' })
  removeTag(
    @Ctx() ctx: RequestContext,
    @Arg('customerId', () => ID) customerId: string,
    @Arg('tagCode') tagCode: string,
  ) {
    return ctx.services.tagCommands.remove(ctx, customerId, tagCode);
  }
}
