import { Args, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { PageArgs } from '../../common/pagination';
import type { RequestContext } from '../../server/context';
import { Customer } from '../customer/customer.type';
import { InteractionConnection } from './interaction.type';

@Resolver(() => Customer)
export class CustomerInteractionsResolver {
  @FieldResolver(() => InteractionConnection, { nullable: true, description: 'Newest first.' })
  interactions(@Root() customer: Customer, @Ctx() ctx: RequestContext, @Args() page: PageArgs) {
    return ctx.services.interactions.pageForCustomer(ctx, customer.id, page);
  }
}
