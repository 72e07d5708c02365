import { Ctx, FieldResolver, Query, Resolver } from 'type-graphql';
import { Parent } from '../../common/parent';
import type { RequestContext } from '../../request/context';
import { Customer } from '../customer/customer.type';
import { CustomerTag, Tag } from './tag.type';

@Resolver(() => Tag)
export class TagCatalogueResolver {
  @Query(() => [Tag], { description: 'The tag catalogue.' })
  tags(@Ctx() ctx: RequestContext) {
    return ctx.services.tags.catalogue(ctx);
  }
}

@Resolver(() => Customer)
export class CustomerTagsResolver {
  @FieldResolver(() => [CustomerTag])
  tags(@Parent() customer: Customer, @Ctx() ctx: RequestContext) {
    return ctx.loaders.tag.byCustomer.load(customer.id);
  }
}
