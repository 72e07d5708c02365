import { Arg, Args, Ctx, ID, Query, Resolver } from 'type-graphql';
import { PageArgs } from '../../common/pagination';
import type { RequestContext } from '../../server/context';
import { CustomerFilter } from './customer-filter.input';
import { Customer, CustomerConnection } from './customer.type';

@Resolver(() => Customer)
export class CustomerResolver {
  @Query(() => Customer, {
    nullable: true,
    description: 'Null when the customer does not exist or is outside your scope.',
  })
  customer(@Ctx() ctx: RequestContext, @Arg('id', () => ID) id: string) {
    return ctx.services.customers.getById(ctx, id);
  }

  @Query(() => Customer, {
    nullable: true,
    description: 'Null when the customer does not exist or is outside your scope.',
  })
  customerByNumber(@Ctx() ctx: RequestContext, @Arg('customerNo') customerNo: string) {
    return ctx.services.customers.getByNumber(ctx, customerNo);
  }

  @Query(() => CustomerConnection, { description: 'Customers ordered by customer number.' })
  customers(
    @Ctx() ctx: RequestContext,
    @Args() page: PageArgs,
    @Arg('filter', () => CustomerFilter, { nullable: true }) filter?: CustomerFilter | null,
  ) {
    return ctx.services.customers.page(ctx, filter, page);
  }
}
