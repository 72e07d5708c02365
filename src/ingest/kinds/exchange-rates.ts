import { currency, date, rate } from '../fields';
import { KindSpec, required } from '../kind';

/** CNY per unit of a currency on a day; AUM converts at the latest rate, so holders of the currency are refreshed. */
export const exchangeRates: KindSpec = {
  name: 'exchange_rates',
  columns: [
    required('currency', 'text', currency),
    required('rate_date', 'date', date),
    required('cny_per_unit', 'numeric', rate),
  ],
  naturalKey: ['currency', 'rate_date'],
  rowRules: [(row) => (row.currency === 'CNY' ? ['currency', 'CNY is the base currency (always 1)'] : undefined)],
  checks: [],
  upsert: {
    table: 'fx_rate',
    conflict: '(currency, rate_date)',
    current: 'cur.currency = s.currency AND cur.rate_date = s.rate_date',
    values: { currency: 's.currency', rate_date: 's.rate_date', cny_per_unit: 's.cny_per_unit' },
    key: ['currency', 'rate_date'],
    returning: 'currency',
    customersOf: `SELECT h.customer_id FROM holding h WHERE h.status = 'ACTIVE' AND h.currency IN (SELECT currency FROM written)`,
  },
};
