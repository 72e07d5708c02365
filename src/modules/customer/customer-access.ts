import { GraphQLError } from 'graphql';
import { isPartner } from '../../auth/principal';
import { EntityManager } from 'typeorm';
import { appError } from '../../common/errors';
import { assertId } from '../../common/ids';
import type { RequestContext } from '../../request/context';
import { CustomerEntity } from './customer.entity';
import { rowScopeForOperation } from '../../privacy/row-scope';
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
  // Partners have no read scope; what they may write to is set by the customer's consent.
  const query = isPartner(ctx.principal)
    ? em
        .getRepository(CustomerEntity)
        .createQueryBuilder('c')
        .where(
          `EXISTS (SELECT 1 FROM consent k WHERE k.customer_id = c.id AND k.purpose = 'PARTNER_SHARING' AND k.granted)`,
        )
    : scopedCustomers(em, { scope: rowScopeForOperation(ctx.principal, ctx.privacy, 'Mutation', operation) });
  if ('id' in by) {
    assertId('customerId', by.id);
    query.andWhere('c.id = :id', { id: by.id });
  } else {
    query.andWhere('c.customer_no = :customerNo', { customerNo: by.customerNo });
  }
  const customer = await query.getOne();
  if (!customer) throw isPartner(ctx.principal) ? notFoundForPartner() : appError('NOT_FOUND', 'No such customer');
  return customer;
}

/**
 * The one error a partner gets for a customer, or a customer's enrolment, it
 * may not see: missing, not consenting to partner sharing and not enrolled
 * are indistinguishable, in message and extensions (PRODUCT.md §4).
 */
export function notFoundForPartner(): GraphQLError {
  return appError('NOT_FOUND', 'No such customer or enrolment');
}
