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
  // Staged and stored encrypted; found, and kept unique, by its blind index.
  encrypted: 'holding',
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
                      WHERE h.account_no_bidx = s.account_no_bidx AND c.customer_no <> s.customer_no)`,
    },
  ],
  upsert: {
    table: 'holding',
    conflict: '(account_no_bidx)',
    joins: 'JOIN customer c ON c.customer_no = s.customer_no JOIN product p ON p.code = s.product_code',
    current: 'cur.account_no_bidx = s.account_no_bidx',
    values: {
      account_no: 's.account_no',
      account_no_bidx: 's.account_no_bidx',
      customer_id: 'c.id',
      product_id: 'p.id',
      balance: 's.balance',
      currency: `coalesce(s.currency, 'CNY')`,
      opened_on: 's.opened_on',
      maturity_date: 's.maturity_date',
      status: 's.status',
    },
    // An account number never changes: its ciphertext is written once, with its blind index.
    key: ['account_no', 'account_no_bidx'],
    returning: 'customer_id',
    customersOf: 'SELECT customer_id FROM written',
  },
};
