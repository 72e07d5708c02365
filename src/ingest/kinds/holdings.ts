import { HoldingStatus } from '../../modules/holding/holding.enums';
import { currency, date, identifier, money, oneOf } from '../fields';
import { KindSpec, mustExist, optional, required } from '../kind';

/** Holdings by account number, of a customer (by number) in a product (by code). */
export const holdings: KindSpec = {
  name: 'holdings',
  columns: [
    required('account_no', 'text', identifier(34)),
    required('customer_no', 'text', identifier(32)),
    required('product_code', 'text', identifier(64)),
    required('balance', 'numeric', money),
    optional('currency', 'text', currency),
    required('opened_on', 'date', date),
    optional('maturity_date', 'date', date),
    required('status', 'text', oneOf(HoldingStatus)),
  ],
  naturalKey: ['account_no'],
  rowRules: [
    (row) =>
      row.maturity_date !== undefined && (row.maturity_date as string) < (row.opened_on as string)
        ? ['maturity_date', 'must not be before opened_on']
        : undefined,
  ],
  checks: [
    mustExist('customer_no', 'customer', 'customer_no', 'no customer has this number'),
    mustExist('product_code', 'product', 'code', 'no product has this code'),
    {
      // An account does not change hands; a file that says so is wrong, not a transfer.
      reason: 'customer_no: the account is held by another customer',
      where: `EXISTS (SELECT 1 FROM holding h JOIN customer c ON c.id = h.customer_id
                      WHERE h.account_no = s.account_no AND c.customer_no <> s.customer_no)`,
    },
  ],
  upsert: {
    table: 'holding',
    conflict: '(account_no)',
    joins: 'JOIN customer c ON c.customer_no = s.customer_no JOIN product p ON p.code = s.product_code',
    current: 'cur.account_no = s.account_no',
    values: {
      account_no: 's.account_no',
      customer_id: 'c.id',
      product_id: 'p.id',
      balance: 's.balance',
      currency: `coalesce(s.currency, 'CNY')`,
      opened_on: 's.opened_on',
      maturity_date: 's.maturity_date',
      status: 's.status',
    },
    key: ['account_no'],
    returning: 'customer_id',
    customersOf: 'SELECT customer_id FROM written',
  },
};
