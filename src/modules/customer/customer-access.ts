import { GraphQLError } from 'graphql';
import { isPartner } from '../../auth/principal';
import { EntityManager } from 'typeorm';
import { appError } from '../../common/errors';
import { assertId } from '../../common/ids';
import type { RequestContext } from '../../request/context';
import { CustomerEntity } from './customer.entity';
import { rowScopeForOperation, scopeSql } from '../../privacy/row-scope';
import { scopedCustomers } from './customer.loaders';

/**
 * A customer a write may touch, by id or by customer number: staff within
 * the row scope of those of their roles that may make this write; partners
 * only customers who consented to partner sharing. Anything else is
 * NOT_FOUND, so a refusal cannot be told from a missing customer.
 */
export async function writableCustomer(
  em: EntityManager,
  ctx: RequestContext,
  by: { id: string } | { customerNo: string },
  operation: string,
): Promise<CustomerEntity> {
  const query = isPartner(ctx.principal)
    ? em.getRepository(CustomerEntity).createQueryBuilder('c').where(partnerSharingGranted('c'))
    : scopedCustomers(em, { scope: rowScopeForOperation(ctx.principal, ctx.privacy, 'Mutation', operation) });
  if ('id' in by) {
    assertId('customerId', by.id);
    query.andWhere('c.id = :id', { id: by.id });
  } else {
    query.andWhere('c.customer_no = :customerNo', { customerNo: by.customerNo });
  }
  const customer = await query.getOne();
  if (!customer) throw customerNotFound(ctx);
  return customer;
}

/** What a write answers for a customer it did not find: for a partner, the same as for an enrolment. */
export function customerNotFound(ctx: RequestContext): GraphQLError {
  return isPartner(ctx.principal) ? notFoundForPartner() : appError('NOT_FOUND', 'No such customer');
}

/**
 * writableCustomer's rule as one SQL condition on a customer alias, for a
 * write that finds its customer inside its own statement. `bind` adds a
 * parameter and returns its placeholder.
 */
export function writableCustomerSql(
  ctx: RequestContext,
  operation: string,
  alias: string,
  bind: (value: unknown, type: string) => string,
): string {
  if (isPartner(ctx.principal)) return partnerSharingGranted(alias);
  return scopeSql(rowScopeForOperation(ctx.principal, ctx.privacy, 'Mutation', operation), alias, bind);
}

/** Partners have no read scope; what they may write to is set by the customer's consent. */
function partnerSharingGranted(alias: string): string {
  return `EXISTS (SELECT 1 FROM consent k WHERE k.customer_id = ${alias}.id AND k.purpose = 'PARTNER_SHARING' AND k.granted)`;
}

/**
 * The one error a partner gets for a customer, or a customer's enrolment, it
 * may not see: missing, not consenting to partner sharing and not enrolled
 * are indistinguishable, in message and extensions (PRODUCT.md §4).
 */
export function notFoundForPartner(): GraphQLError {
  return appError('NOT_FOUND', 'No such customer or enrolment');
}
