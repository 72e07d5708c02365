import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, ID, Info, Query, Resolver } from 'type-graphql';
import { PageArgs } from '../../common/pagination';
import type { RequestContext } from '../../request/context';
import { CustomerFilter } from './customer-filter.input';
import { CustomerLookahead } from './customer-lookahead';
import { Customer, CustomerConnection } from './customer.type';

@Resolver(() => Customer)
export class CustomerResolver {
  @Query(() => Customer, {
    nullable: true,
    description: 'Null when the customer does not exist or is outside your scope.',
  })
  customer(@Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo, @Arg('id', () => ID) id: string) {
    return ctx.services.customers.getById(ctx, id, CustomerLookahead.of(info));
  }

  @Query(() => Customer, {
    nullable: true,
    description: 'Null when the customer does not exist or is outside your scope.',
  })
  customerByNumber(
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
    @Arg('customerNo') customerNo: string,
  ) {
    return ctx.services.customers.getByNumber(ctx, customerNo, CustomerLookahead.of(info));
  }

  @Query(() => CustomerConnection, { description: 'Customers ordered by customer number.' })
  customers(
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
    @Args() page: PageArgs,
    @Arg('filter', () => CustomerFilter, { nullable: true }) filter?: CustomerFilter | null,
  ) {
    return ctx.services.customers.page(ctx, filter, page, CustomerLookahead.of(info, ['edges', 'node']), info);
  }
}
