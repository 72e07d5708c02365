import DataLoader from 'dataloader';
import { DataSource, In } from 'typeorm';
import type { PageRequest } from '../../common/pagination';
import { CallerView, viewAs } from '../../privacy/caller-view';
import { groupByKey } from '../../db/batch';
import { countsByKey, loadersByArgs } from '../../db/loaders-by-args';
import { ReferenceCache } from '../../db/reference-cache';
import { ProductEntity } from './holding.entity';
import { Holding, Product } from './holding.type';

/** Position in a customer's holdings, newest first: [openedOn, id]. */
export type HoldingKey = [string, string];

export interface HoldingRow extends Holding {
  customerId: string;
}

const HOLDING_COLUMNS = `h.id, h.customer_id AS "customerId", h.product_id AS "productId", h.account_no AS "accountNo",
  h.balance, h.currency, h.opened_on AS "openedAt", h.maturity_date AS "maturityDate", h.status`;

/** The product catalogue changes rarely: one cache per process, shared by every request's loaders. */
export function createProductCache(ds: DataSource) {
  return new ReferenceCache<Product>(
    (ids) => ds.getRepository(ProductEntity).find({ where: { id: In([...ids]) } }),
    (p) => p.id,
  );
}

export function createHoldingLoaders(ds: DataSource, caller: CallerView, products: ReferenceCache<Product>) {
  return {
    product: new DataLoader<string, Product | null>((ids) => products.getMany(ids)),

    /**
     * One page of holdings for each customer of the batch. A lateral join runs
     * the per-customer index scan with its own LIMIT, so the cost is bounded
     * by the page size, not by how many holdings a customer has.
     */
    pageByCustomer: loadersByArgs(
      (page: PageRequest<HoldingKey>) =>
        new DataLoader<string, HoldingRow[]>(async (customerIds) => {
          const params: unknown[] = [customerIds, page.limit + 1];
          let after = '';
          if (page.after) {
            params.push(...page.after);
            after = 'AND (h.opened_on, h.id) < ($3::date, $4::uuid)';
          }
          const rows: HoldingRow[] = await ds.query(
            `SELECT ${HOLDING_COLUMNS}
           FROM unnest($1::uuid[]) AS parent(id)
           CROSS JOIN LATERAL (
             SELECT * FROM holding h WHERE h.customer_id = parent.id ${after}
             ORDER BY h.opened_on DESC, h.id DESC LIMIT $2
           ) h`,
            params,
          );
          return groupByKey(
            customerIds,
            viewAs(caller, 'Holding', rows, (r) => r.customerId),
            (r) => r.customerId,
          );
        }),
    ),

    countByCustomer: new DataLoader<string, number>(async (customerIds) => {
      const rows = await ds.query(
        `SELECT customer_id AS key, count(*)::int AS count FROM holding WHERE customer_id = ANY($1::uuid[]) GROUP BY 1`,
        [customerIds],
      );
      return countsByKey(customerIds, rows);
    }),
  };
}
