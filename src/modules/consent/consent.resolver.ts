import { Ctx, FieldResolver, Resolver } from 'type-graphql';
import { Parent } from '../../common/parent';
import type { RequestContext } from '../../request/context';
import { Customer } from '../customer/customer.type';
import { Consent } from './consent.type';

@Resolver(() => Customer)
export class CustomerConsentsResolver {
  @FieldResolver(() => [Consent], { description: 'Only recorded consents; a missing one means not granted.' })
  consents(@Parent() customer: Customer, @Ctx() ctx: RequestContext) {
    return ctx.loaders.consent.byCustomer.load(customer.id);
  }
}
