import { Ctx, Field, FieldResolver, Int, ObjectType, Resolver } from 'type-graphql';
import { Parent } from '../../common/parent';
import { DateTimeScalar } from '../../common/scalars';
import type { RequestContext } from '../../request/context';
import { Customer } from '../customer/customer.type';

@ObjectType('ContactAllowance', {
  simpleResolvers: true,
  description:
    "What is left of a customer's campaign contact caps (all channels together; calendar days and months in the bank's time zone).",
})
export class ContactAllowance {
  @Field(() => Int, { description: "Campaign contacts still allowed today: the day's cap, bounded by the month's." })
  remainingToday: number;

  @Field(() => Int, { description: "Campaign contacts still allowed this calendar month, by the customer's tier." })
  remainingThisMonth: number;

  @Field(() => DateTimeScalar, {
    description:
      "When today's allowance resets (the next day's start in the bank's time zone) or, once this month's is used up, when the month's does (the next month's start).",
  })
  resetsAt: Date;
}

@Resolver(() => Customer)
export class CustomerContactAllowanceResolver {
  @FieldResolver(() => ContactAllowance, {
    nullable: true,
    description:
      'Campaign contacts the customer may still receive under the contact caps; check contactCheck before one.',
  })
  contactAllowance(@Parent() customer: Customer, @Ctx() ctx: RequestContext) {
    return ctx.loaders.interaction.allowanceByCustomer.load(customer.id);
  }
}
