import DataLoader from 'dataloader';
import type { GraphQLResolveInfo } from 'graphql';
import { DataSource, In } from 'typeorm';
import type { PageRequest } from '../../common/pagination';
import { selectedNamesAt } from '../../common/selected-fields';
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

/**
 * A holding as its relation's JSON carries it: positional (keys were a third
 * of its bytes), money as text (a JSON number would lose digits and trailing zeros).
 */
type HoldingTuple = [
  id: string,
  productId: string,
  accountNo: string | null,
  balance: string | null,
  currency: string,
  openedAt: string,
  maturityDate: string | null,
  status: Holding['status'],
];

/** One page of a customer's holdings, and whether it carries their (encrypted) account numbers. */
export interface HoldingPageRequest {
  page: PageRequest<HoldingKey>;
  /** Only when the selection shows them: the ciphertext was the largest part of a marketing page's holdings. */
  withAccountNo: boolean;
}

/** Whether a holdings connection's selection shows account numbers: its resolver and the look-ahead ask alike. */
export function showsAccountNo(selection: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments' | 'variableValues'>) {
  return selectedNamesAt(selection, ['edges', 'node']).has('accountNo');
}

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
      ({ page, withAccountNo }: HoldingPageRequest) =>
        new RelationLoader<HoldingRow[]>(ds, {
          subquery: (params) => {
            const after = page.after
              ? `AND (h.opened_on, h.id) < (${params.bind(page.after[0], 'date')}, ${params.bind(page.after[1], 'uuid')})`
              : '';
            const holding = `h.id, h.product_id, ${withAccountNo ? 'h.account_no' : 'NULL'}, h.balance::text,
              h.currency, h.opened_on, h.maturity_date, h.status`;
            return `SELECT coalesce(json_agg(json_build_array(${holding}) ORDER BY h.opened_on DESC, h.id DESC), '[]')
              FROM (SELECT * FROM holding h WHERE h.customer_id = parent.id ${after}
                    ORDER BY h.opened_on DESC, h.id DESC LIMIT ${params.bind(page.limit + 1, 'int')}) h`;
          },
          decode: (rows, customerId) =>
            (rows as HoldingTuple[]).map(
              ([id, productId, accountNo, balance, currency, openedAt, maturityDate, status]): HoldingRow => ({
                id,
                accountNo,
                balance,
                currency,
                openedAt,
                maturityDate,
                status,
                productId,
                product: productOf(productId),
                customerId,
              }),
            ),
        }),
    ),

    countByCustomer: new RelationLoader<number>(ds, {
      subquery: () => 'SELECT count(*)::int FROM holding h WHERE h.customer_id = parent.id',
      decode: Number,
    }),
  };
}
