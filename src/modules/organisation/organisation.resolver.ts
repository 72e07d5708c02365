import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../server/context';
import { Customer } from '../customer/customer.type';
import { Branch, RelationshipManager } from './organisation.type';

@Resolver(() => Customer)
export class CustomerOrganisationResolver {
  @FieldResolver(() => Branch)
  async branch(@Root() customer: Customer, @Ctx() ctx: RequestContext) {
    return ctx.loaders.organisation.branch.load(customer.branchId);
  }

  @FieldResolver(() => RelationshipManager, { nullable: true })
  relationshipManager(@Root() customer: Customer, @Ctx() ctx: RequestContext) {
    if (!customer.relationshipManagerId) return null;
    return ctx.loaders.organisation.staff.load(customer.relationshipManagerId);
  }
}
