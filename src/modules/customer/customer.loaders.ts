import DataLoader from 'dataloader';
import { DataSource, EntityManager } from 'typeorm';
import type { Config } from '../../config';
import { byKey } from '../../db/batch';
import { entityColumns } from '../../db/entity-columns';
import { SqlParams } from '../../db/parent-relations';
import { scopeCondition, scopeSql } from '../../privacy/row-scope';
import { CallerView, viewAs } from '../../privacy/caller-view';
import { CustomerEntity } from './customer.entity';
import { toCustomer } from './customer.mapper';
import { Customer } from './customer.type';

/** Customers the caller may see, as a query to add conditions to (inside a transaction: pass its manager). */
export function scopedCustomers(db: DataSource | EntityManager, caller: Pick<CallerView, 'scope'>) {
  const scope = scopeCondition(caller.scope, 'c');
  return db.getRepository(CustomerEntity).createQueryBuilder('c').where(scope.sql, scope.params);
}

/** A loaded row as the caller may see it: derived fields filled in, then the access plan applied. */
export function customerViewer(config: Config, caller: CallerView) {
  return (row: CustomerEntity): Customer => {
    const customer = toCustomer(row, caller.today, config.segmentation);
    caller.privacy.forCustomer(customer);
    return viewAs(caller, 'Customer', [customer], (c) => c.id)[0];
  };
}

export function createCustomerLoaders(ds: DataSource, config: Config, caller: CallerView) {
  const view = customerViewer(config, caller);
  // Out-of-scope customers are simply not found: indistinguishable from missing ones.
  const scopedRows = (column: 'id' | 'customer_no', keys: readonly string[]): Promise<CustomerEntity[]> => {
    const params = new SqlParams();
    const wanted = params.bind(keys, column === 'id' ? 'uuid[]' : 'text[]');
    return ds.query(
      `SELECT ${entityColumns(ds, CustomerEntity, 'c')} FROM customer c
       WHERE c.${column} = ANY(${wanted}) AND ${scopeSql(caller.scope, 'c', params.bind)}`,
      params.values,
    );
  };
  return {
    byId: new DataLoader<string, Customer | null>(async (ids) =>
      byKey(ids, (await scopedRows('id', ids)).map(view), (c) => c.id),
    ),
    byNumber: new DataLoader<string, Customer | null>(async (numbers) =>
      byKey(numbers, (await scopedRows('customer_no', numbers)).map(view), (c) => c.customerNo),
    ),
  };
}
