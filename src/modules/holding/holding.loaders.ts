import DataLoader from 'dataloader';
import { DataSource, In } from 'typeorm';
import type { PageRequest } from '../../common/pagination';
import { loadersByArgs } from '../../db/loaders-by-args';
import { RelationLoader } from '../../db/parent-relations';
import { ReferenceCache } from '../../db/reference-cache';
import { ProductEntity } from './holding.entity';
import { Holding, Product } from './holding.type';

/** Position in a customer's holdings, newest first: [openedOn, id]. */
export type HoldingKey = [string, string];

export interface HoldingRow extends Holding {
  customerId: string;
}

// Money as text: a JSON number would lose digits and trailing zeros.
const HOLDING_JSON = `'id', h.id, 'productId', h.product_id, 'accountNo', h.account_no, 'balance', h.balance::text,
  'currency', h.currency, 'openedAt', h.opened_on, 'maturityDate', h.maturity_date, 'status', h.status`;

/** The product catalogue changes rarely: one cache per process, shared by every request's loaders. */
export function createProductCache(ds: DataSource) {
  return new ReferenceCache<Product>(
    (ids) => ds.getRepository(ProductEntity).find({ where: { id: In([...ids]) } }),
    (p) => p.id,
  );
}

export function createHoldingLoaders(ds: DataSource, products: ReferenceCache<Product>) {
  const product = new DataLoader<string, Product | null>((ids) => products.getMany(ids));
  // A cached product is the value itself; graphql-js resolves a plain value without a promise.
  const productOf = (id: string) => products.peek(id) ?? (() => product.load(id));
  return {
    product,

    /**
     * One page of holdings for each customer. The inner query is the
     * per-customer index scan with its own LIMIT, so the cost is bounded by
     * the page size, not by how many holdings a customer has.
     */
    pageByCustomer: loadersByArgs(
      (page: PageRequest<HoldingKey>) =>
        new RelationLoader<HoldingRow[]>(ds, {
          subquery: (params) => {
            const after = page.after
              ? `AND (h.opened_on, h.id) < (${params.bind(page.after[0], 'date')}, ${params.bind(page.after[1], 'uuid')})`
              : '';
            return `SELECT coalesce(json_agg(json_build_object(${HOLDING_JSON}) ORDER BY h.opened_on DESC, h.id DESC), '[]')
              FROM (SELECT * FROM holding h WHERE h.customer_id = parent.id ${after}
                    ORDER BY h.opened_on DESC, h.id DESC LIMIT ${params.bind(page.limit + 1, 'int')}) h`;
          },
          decode: (rows, customerId) =>
            // In place: the parsed JSON is this request's own, and a page holds hundreds of them.
            (rows as HoldingRow[]).map((row) => {
              row.customerId = customerId;
              row.product = productOf(row.productId);
              return row;
            }),
        }),
    ),

    countByCustomer: new RelationLoader<number>(ds, {
      subquery: () => 'SELECT count(*)::int FROM holding h WHERE h.customer_id = parent.id',
      decode: Number,
    }),
  };
}
