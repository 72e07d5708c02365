import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../request/context';
import { Customer } from '../customer/customer.type';
import { RiskProfile } from './risk.type';

@Resolver(() => Customer)
export class CustomerRiskResolver {
  @FieldResolver(() => RiskProfile, { nullable: true, description: 'Null when the customer was never assessed.' })
  riskProfile(@Root() customer: Customer, @Ctx() ctx: RequestContext) {
    return ctx.loaders.risk.latestByCustomer.load(customer.id);
  }
}
