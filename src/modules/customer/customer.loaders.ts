import DataLoader from 'dataloader';
import { DataSource, EntityManager } from 'typeorm';
import type { Config } from '../../config';
import { byKey } from '../../db/batch';
import { loadersByArgs } from '../../db/loaders-by-args';
import { preparedQuery } from '../../db/prepared-statements';
import {
  canonicalOrder,
  decodeRelations,
  ParentRelation,
  RelationLoader,
  relationColumns,
  SqlParams,
} from '../../db/parent-relations';
import { scopeCondition, scopeSql } from '../../privacy/row-scope';
import { CallerView } from '../../privacy/caller-view';
import { CustomerEntity } from './customer.entity';
import type { OrganisationLoaders } from '../organisation/organisation.loaders';
import { CustomerViewRow, toCustomer } from './customer.mapper';
import { customerColumns, openCustomerRows } from './customer-sealing';
import type { Keyring } from '../../privacy/encryption/keyring';
import { Customer } from './customer.type';

export type CustomerKey = 'id' | 'customer_no';

/** Customers the caller may see, as a query to add conditions to (inside a transaction: pass its manager). */
export function scopedCustomers(db: DataSource | EntityManager, caller: Pick<CallerView, 'scope'>) {
  const scope = scopeCondition(caller.scope, 'c');
  return db.getRepository(CustomerEntity).createQueryBuilder('c').where(scope.sql, scope.params);
}

/**
 * A loaded row with its derived fields filled in, and its access plan decided
 * (from its book and branch) so that the look-ahead and filters can ask it;
 * the plan itself is applied where the customer reaches the caller (privacy/enforce.ts).
 */
export function customerViewer(config: Config, caller: CallerView, organisation: OrganisationLoaders) {
  return (row: CustomerViewRow): Customer => {
    const customer = toCustomer(row, caller.today, config.segmentation) as Customer;
    customer.branch = organisation.branchOf(row.branchId);
    customer.relationshipManager = organisation.managerOf(row.relationshipManagerId);
    caller.privacy.decidePlanFor(customer);
    return customer;
  };
}

export function createCustomerLoaders(
  ds: DataSource,
  config: Config,
  caller: CallerView,
  organisation: OrganisationLoaders,
  keyring: Keyring,
) {
  const view = customerViewer(config, caller, organisation);
  // Out-of-scope customers are simply not found: indistinguishable from missing ones.
  const scopedRows = (
    column: CustomerKey,
    keys: readonly string[],
    relations: readonly ParentRelation<unknown>[] = [],
    prepare = true,
  ): Promise<(CustomerViewRow & Record<string, unknown>)[]> => {
    const params = new SqlParams();
    const type = column === 'id' ? 'uuid' : 'text';
    // One key compares with `=`: the generic plan is then estimated at one row, as a custom plan is, so
    // PostgreSQL keeps the prepared plan instead of planning this statement again on every execution.
    const wanted = keys.length === 1 ? `= ${params.bind(keys[0], type)}` : `= ANY(${params.bind(keys, `${type}[]`)})`;
    const extra = relations.length ? `, ${relationColumns(relations, params)}` : '';
    const rows = preparedQuery<CustomerViewRow & Record<string, unknown>>(
      ds,
      `SELECT ${customerColumns(ds, 'parent')}${extra} FROM customer parent
       WHERE parent.${column} ${wanted} AND ${scopeSql(caller.scope, 'parent', params.bind)}`,
      params.values,
      // Which relations are read with the customer follows the client's selection.
      prepare && (relations.length > 0 ? 'client-shaped' : true),
    );
    return rows.then((loaded) => openCustomerRows(keyring, ds, loaded));
  };
  const byId = new DataLoader<string, Customer | null>(async (ids) =>
    byKey(ids, (await scopedRows('id', ids)).map(view), (c) => c.id),
  );
  const byNumber = new DataLoader<string, Customer | null>(async (numbers) =>
    byKey(numbers, (await scopedRows('customer_no', numbers)).map(view), (c) => c.customerNo),
  );
  // Customers read with the same relations (aliases of one root field) share one statement.
  const withRelationsBatch = loadersByArgs(
    ({ column, loaders }: { column: CustomerKey; loaders: readonly RelationLoader<unknown>[] }) =>
      new DataLoader<string, Customer | null>(async (keys) => {
        const { loaders: ordered, repeats } = canonicalOrder(loaders);
        const relations = ordered.map((loader) => loader.relation);
        const customers = (await scopedRows(column, keys, relations, !repeats)).map((row) => {
          const customer = view(row); // decides the customer's plan, which decoding the relations reads
          decodeRelations(relations, row, customer.id).forEach((value, i) => ordered[i].prime(customer.id, value));
          byId.prime(customer.id, customer);
          byNumber.prime(customer.customerNo, customer);
          return customer;
        });
        return byKey(keys, customers, (c) => (column === 'id' ? c.id : c.customerNo));
      }),
    ({ column, loaders }) => `${column}:${loaders.map((loader) => loader.id).join()}`,
  );
  return {
    byId,
    byNumber,
    /**
     * A customer and the given relations in a single statement (one for all
     * the keys asked for together), the relation loaders primed with them.
     * Only for relations the caller may read on every customer they can
     * see: they are selected before the customer's own access plan is known.
     */
    withRelations(
      column: CustomerKey,
      key: string,
      loaders: readonly RelationLoader<unknown>[],
    ): Promise<Customer | null> {
      return withRelationsBatch({ column, loaders }).load(key);
    },
  };
}
