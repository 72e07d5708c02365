import { ProductType, RiskLevel } from '../../modules/holding/holding.enums';
import { identifier, oneOf, text } from '../fields';
import { KindSpec, required } from '../kind';

/** The product catalogue by code. A changed product (its type decides whether it counts in AUM) refreshes its holders. */
export const products: KindSpec = {
  name: 'products',
  columns: [
    required('code', 'text', identifier(64)),
    required('name', 'text', text(100)),
    required('type', 'text', oneOf(ProductType)),
    required('risk_level', 'text', oneOf(RiskLevel)),
  ],
  naturalKey: ['code'],
  checks: [],
  upsert: {
    table: 'product',
    conflict: '(code)',
    current: 'cur.code = s.code',
    values: { code: 's.code', name: 's.name', type: 's.type', risk_level: 's.risk_level' },
    key: ['code'],
    returning: 'id',
    customersOf: 'SELECT h.customer_id FROM written w JOIN holding h ON h.product_id = w.id WHERE NOT w.inserted',
  },
};
