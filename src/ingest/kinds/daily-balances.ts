import { date, identifier, money } from '../fields';
import { KindSpec, required } from '../kind';

/** A holding's end-of-day balance, by account number and day; monthly AUM snapshots are derived from them. */
export const dailyBalances: KindSpec = {
  name: 'daily_balances',
  columns: [
    required('account_no', 'text', identifier(34)),
    required('balance_date', 'date', date),
    required('balance', 'numeric', money),
  ],
  naturalKey: ['account_no', 'balance_date'],
  // Only looked up: staged as its blind index, account_no_bidx.
  blindLookups: { scope: 'holding', columns: ['account_no'] },
  checks: [
    {
      reason: 'account_no: no holding has this account number',
      where: `NOT EXISTS (SELECT 1 FROM holding r WHERE r.account_no_bidx = s.account_no_bidx)`,
    },
  ],
  upsert: {
    table: 'holding_daily_balance',
    conflict: '(holding_id, balance_date)',
    joins: 'JOIN holding h ON h.account_no_bidx = s.account_no_bidx',
    current: 'cur.holding_id = h.id AND cur.balance_date = s.balance_date',
    values: { holding_id: 'h.id', balance_date: 's.balance_date', balance: 's.balance' },
    key: ['holding_id', 'balance_date'],
    returning: 'holding_id',
    customersOf: 'SELECT h.customer_id FROM written w JOIN holding h ON h.id = w.holding_id',
  },
};
