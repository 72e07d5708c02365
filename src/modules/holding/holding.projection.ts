import { dateAndId } from '../../common/cursor-keys';
import { column, decimal, referenced, sealed, SelectedKey, TypeProjection } from '../../db/json-projection';
import { relationPageJson, RelationPage } from '../../db/json-relation-page';
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

/** A row of holding; the account number travels encrypted and Node opens it. */
const HOLDING_PROJECTION: TypeProjection = {
  type: 'Holding',
  fields: {
    id: column('id'),
    accountNo: sealed('holding', 'account_no'),
    balance: decimal('balance'),
    currency: column('currency'),
    openedAt: column('opened_on'),
    maturityDate: column('maturity_date'),
    status: column('status'),
    product: referenced(PRODUCT_PROJECTION, 'product', 'product_id'),
  },
};

/** As the holdings loader pages them (holding.loaders.ts): newest opened first. */
const HOLDINGS_PAGE: RelationPage<HoldingKey> = {
  connection: 'HoldingConnection',
  edge: 'HoldingEdge',
  node: HOLDING_PROJECTION,
  table: 'holding',
  parentColumn: 'customer_id',
  order: { column: 'opened_on', type: 'date' },
  cursorKey: dateAndId,
};

/** Customer.holdings(first, after) of customer row `row`. */
export const customerHoldingsJson = (selected: SelectedKey, row: string): string =>
  relationPageJson(HOLDINGS_PAGE, selected, row);
