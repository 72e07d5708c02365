import type { GraphQLResolveInfo } from 'graphql';
import { Args, Ctx, FieldResolver, Info, Query, Resolver } from 'type-graphql';
import { Parent } from '../../common/parent';
import { PageArgs } from '../../common/pagination';
import type { RequestContext } from '../../request/context';
import { Customer } from '../customer/customer.type';
import { showsAccountNo } from './holding.loaders';
import { HoldingConnection, Product } from './holding.type';

@Resolver(() => Product)
export class ProductCatalogueResolver {
  @Query(() => [Product], { description: 'The product catalogue.' })
  products(@Ctx() ctx: RequestContext) {
    return ctx.services.holdings.products(ctx);
  }
}

@Resolver(() => Customer)
export class CustomerHoldingsResolver {
  // Runs once per customer of a page: PageArgs carries no class-validator rules
  // (toPageRequest checks it), so type-graphql's validation pass is skipped.
  @FieldResolver(() => HoldingConnection, { description: 'Newest first.' })
  holdings(
    @Parent() customer: Customer,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
    @Args({ validate: false }) page: PageArgs,
  ) {
    return ctx.services.holdings.pageForCustomer(ctx, customer.id, page, showsAccountNo(info));
  }
}
