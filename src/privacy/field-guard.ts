import type { MiddlewareFn } from 'type-graphql';
import type { RequestContext } from '../server/context';
import { deniedAt } from './denial';

/**
 * Relations resolved by field resolvers (a customer's interactions, say)
 * cannot be denied by the per-object pass: the resolver would load them
 * anyway. This global middleware asks the caller's access plan first. Leaf
 * fields use default resolvers (simpleResolvers), so it runs only on
 * relations and root fields, never on every scalar of every row.
 */
export const FieldPolicyGuard: MiddlewareFn<RequestContext> = ({ root, info, context }, next) => {
  const type = info.parentType.name;
  if (type === 'Query' || type === 'Mutation') return next(); // graphql-shield guards the root
  // A customer's relations are read through that customer's plan; data of no customer through all the caller's columns.
  const denied =
    type === 'Customer'
      ? context.privacy.ofCustomer((root as { id: string }).id).isDenied(type, info.fieldName)
      : context.privacy.unscoped(type, info.fieldName) === 'D';
  return denied ? Promise.resolve(deniedAt(info)) : next();
};
