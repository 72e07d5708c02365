import { dateAndId } from '../../common/cursor-keys';
import { PageArgs, PageRequest, toPageRequest } from '../../common/pagination';
import { column, decimal, NotDirect, SelectedKey, TypeProjection } from '../../db/json-projection';
import type { HoldingKey } from './holding.loaders';

/** Row `p` of product. */
const PRODUCT_PROJECTION: TypeProjection = {
  type: 'Product',
  fields: {
    id: column('id'),
    code: column('code'),
    name: column('name'),
    type: column('type'),
    riskLevel: column('risk_level'),
  },
};

/**
 * Row `h` of holding. No accountNo: it is stored encrypted, and only Node
 * decrypts (a query that selects it goes through the executor).
 */
const HOLDING_PROJECTION: TypeProjection = {
  type: 'Holding',
  fields: {
    id: column('id'),
    balance: decimal('balance'),
    currency: column('currency'),
    openedAt: column('opened_on'),
    maturityDate: column('maturity_date'),
    status: column('status'),
    product: (selected, row) =>
      `(SELECT ${selected.object(PRODUCT_PROJECTION, 'p')} FROM product p WHERE p.id = ${row}.product_id)`,
  },
};

/**
 * Customer.holdings(first, after) of customer row `row`, newest first, as
 * its loader pages them (holding.loaders.ts): the page's `limit + 1` rows
 * numbered, the last only telling whether there is a next page.
 */
export function customerHoldingsJson(selected: SelectedKey, row: string): string {
  let page: PageRequest<HoldingKey>;
  try {
    page = toPageRequest(selected.args() as PageArgs, dateAndId);
  } catch {
    throw new NotDirect('holdings page arguments');
  }
  const { bind } = selected.build.params;
  const limit = bind(page.limit, 'int');
  const after = page.after
    ? `AND (h.opened_on, h.id) < (${bind(page.after[0], 'date')}, ${bind(page.after[1], 'uuid')})`
    : '';
  const edge: TypeProjection = {
    type: 'HoldingEdge',
    fields: { node: (edgeKey) => edgeKey.object(HOLDING_PROJECTION, 'h') },
  };
  const pageInfo: TypeProjection = { type: 'PageInfo', fields: { hasNextPage: () => `count(*) > ${limit}` } };
  const connection: TypeProjection = {
    type: 'HoldingConnection',
    fields: {
      edges: (edges) =>
        `coalesce(json_agg(${edges.object(edge, 'h')} ORDER BY h.opened_on DESC, h.id DESC)
           FILTER (WHERE h.position <= ${limit}), '[]'::json)`,
      pageInfo: (info) => info.object(pageInfo, 'h'),
      totalCount: () => `(SELECT count(*)::int FROM holding counted WHERE counted.customer_id = ${row}.id)`,
    },
  };
  return `(SELECT ${selected.object(connection, 'h')}
    FROM (SELECT h.*, row_number() OVER (ORDER BY h.opened_on DESC, h.id DESC) AS position
          FROM holding h WHERE h.customer_id = ${row}.id ${after}
          ORDER BY h.opened_on DESC, h.id DESC LIMIT ${limit} + 1) h
    GROUP BY ())`; // one row, holdings or not, whichever fields are selected
}
