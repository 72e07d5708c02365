import { Ctx, FieldResolver, Resolver } from 'type-graphql';
import { Parent } from '../../common/parent';
import type { RequestContext } from '../../request/context';
import { Customer } from '../customer/customer.type';
import { RiskWarning } from './risk-warnings';
import { RiskProfile } from './risk.type';

@Resolver(() => Customer)
export class CustomerRiskResolver {
  @FieldResolver(() => RiskProfile, { nullable: true, description: 'Null when the customer was never assessed.' })
  riskProfile(@Parent() customer: Customer, @Ctx() ctx: RequestContext) {
    return ctx.loaders.risk.latestByCustomer.load(customer.id);
  }

  @FieldResolver(() => [RiskWarning], {
    nullable: true,
    description:
      'Banners a front end shows before any product talk: 65 and over, no or an expired risk assessment, KYC not current, a vulnerable customer.',
  })
  riskWarnings(@Parent() customer: Customer, @Ctx() ctx: RequestContext) {
    return ctx.services.riskWarnings.forCustomer(ctx, customer);
  }
}
