import { date, identifier, money } from '../fields';
import { KindSpec, mustExist, required } from '../kind';

/** A holding's end-of-day balance, by account number and day; monthly AUM snapshots are derived from them. */
export const dailyBalances: KindSpec = {
  name: 'daily_balances',
  columns: [
    required('account_no', 'text', identifier(34)),
    required('balance_date', 'date', date),
    required('balance', 'numeric', money),
  ],
  naturalKey: ['account_no', 'balance_date'],
  checks: [mustExist('account_no', 'holding', 'account_no', 'no holding has this account number')],
  upsert: {
    table: 'holding_daily_balance',
    conflict: '(holding_id, balance_date)',
    joins: 'JOIN holding h ON h.account_no = s.account_no',
    current: 'cur.holding_id = h.id AND cur.balance_date = s.balance_date',
    values: { holding_id: 'h.id', balance_date: 's.balance_date', balance: 's.balance' },
    key: ['holding_id', 'balance_date'],
    returning: 'holding_id',
    customersOf: 'SELECT h.customer_id FROM written w JOIN holding h ON h.id = w.holding_id',
  },
};
