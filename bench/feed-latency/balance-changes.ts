import type { DataSource } from 'typeorm';
import { ageOn, businessToday } from '../../src/common/business-date';
import type { Config } from '../../src/config';
import { AUM_PRODUCT_TYPES } from '../../src/modules/holding/holding.enums';
import { tierFor } from '../../src/modules/customer/segmentation.rules';
import { keyringFor } from '../../src/privacy/encryption/keyrings';

/** The holdings columns a `holdings` event carries (src/ingest/kinds/holdings.ts). */
interface Holding {
  accountNo: string;
  /** How the database finds the account (holding.account_no_bidx): its number is stored encrypted. */
  accountNoBidx: string;
  productCode: string;
  balanceCents: bigint;
  openedOn: string;
  maturityDate: string | null;
}

interface Customer {
  id: string;
  customerNo: string;
  age: number;
  aumCents: bigint;
  tier: string;
  holdings: Holding[];
}

/** One balance change as published, with what the database must show once it is applied and re-derived. */
export interface BalanceChange {
  eventId: string;
  customerId: string;
  accountNo: string;
  accountNoBidx: string;
  balance: string;
  /** customer.aum and customer.tier once the refresh has run. */
  aum: string;
  tier: string;
  /** The change moves the customer to another tier. */
  crossesTier: boolean;
  payload: string;
}

const MAX_CENTS = 99_999_999_999_999n;
/** The `source` of the bench's events, as a core banking system would name itself. */
export const EVENT_SOURCE = 'bench-core-banking';

/**
 * Intraday balance changes for random customers, each a `holdings` event
 * with the holding's new balance, and what each must lead to: the holding's
 * balance (commit) and the customer's AUM and tier (re-derived). Only
 * active CNY holdings of products that count in AUM change, so the new AUM
 * is the stored one plus the change, exactly. Each change says what the
 * customer's AUM and tier will be once it and every earlier one are applied
 * (the feed keeps the order of publishing). A tracked change (one whose
 * latency is measured) holds its customer until it has been seen
 * re-derived (`settle`): no later change may make its expected AUM
 * unreachable. A share of the changes
 * (`crossingShare`) is sized to move the customer across the WEALTH (or the
 * PRIVATE_BANKING) threshold.
 */
export class BalanceChanges {
  private readonly held = new Set<Customer>();
  private readonly byEvent = new Map<string, Customer>();
  private sequence = 0;
  private lastVersionMs = 0;

  private constructor(
    private readonly customers: Customer[],
    private readonly config: Config,
    private readonly runId: string,
    private readonly random: () => number,
  ) {}

  /** Reads the customers as the database has them now: their segment columns must be up to date (queue drained). */
  static async load(ds: DataSource, config: Config, runId: string, seed: number): Promise<BalanceChanges> {
    const today = businessToday(config.businessTimeZone);
    const rows: {
      id: string;
      customerNo: string;
      birthDate: string;
      aum: string;
      tier: string;
      accountNo: string;
      accountNoBidx: string;
      productCode: string;
      balance: string;
      openedOn: string;
      maturityDate: string | null;
    }[] = await ds.query(
      `SELECT c.id, c.customer_no AS "customerNo", c.birth_date::text AS "birthDate", c.aum::text AS aum, c.tier,
         h.account_no AS "accountNo", h.account_no_bidx AS "accountNoBidx", p.code AS "productCode", h.balance::text AS balance,
         h.opened_on::text AS "openedOn", h.maturity_date::text AS "maturityDate"
       FROM customer c JOIN holding h ON h.customer_id = c.id JOIN product p ON p.id = h.product_id
       WHERE h.status = 'ACTIVE' AND h.currency = 'CNY' AND p.type = ANY($1::text[])
       ORDER BY c.id`,
      [AUM_PRODUCT_TYPES],
    );
    // Account numbers are stored encrypted: decrypted here, then ordered as before (per customer, by number).
    await keyringFor(ds).open(ds, 'holding', rows, { account_no: 'accountNo' });
    rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.accountNo < b.accountNo ? -1 : 1));
    const customers: Customer[] = [];
    for (const row of rows) {
      let customer = customers[customers.length - 1];
      if (customer?.id !== row.id) {
        customer = {
          id: row.id,
          customerNo: row.customerNo,
          age: ageOn(row.birthDate, today),
          aumCents: cents(row.aum),
          tier: row.tier,
          holdings: [],
        };
        customers.push(customer);
      }
      customer.holdings.push({
        accountNo: row.accountNo,
        accountNoBidx: row.accountNoBidx,
        productCode: row.productCode,
        balanceCents: cents(row.balance),
        openedOn: row.openedOn,
        maturityDate: row.maturityDate,
      });
    }
    return new BalanceChanges(customers, config, runId, mulberry32(seed));
  }

  get customerCount(): number {
    return this.customers.length;
  }

  /** The next change: a random customer not held by a tracked change, one of their holdings, a new balance. */
  next(crossingShare: number, tracked: boolean): BalanceChange {
    const customer = this.pickFree();
    const holding = customer.holdings[Math.floor(this.random() * customer.holdings.length)];
    const crossing = this.random() < crossingShare;
    const balanceCents = (crossing && this.crossingBalance(customer, holding)) || this.driftedBalance(holding);
    const aumCents = customer.aumCents - holding.balanceCents + balanceCents;
    const aum = money(aumCents);
    const tier = tierFor(aum, customer.age, this.config.segmentation);
    const crossesTier = tier !== customer.tier;
    holding.balanceCents = balanceCents;
    customer.aumCents = aumCents;
    customer.tier = tier;

    const eventId = `${this.runId}-${++this.sequence}`;
    if (tracked) {
      this.held.add(customer);
      this.byEvent.set(eventId, customer);
    }
    const balance = money(balanceCents);
    const data = {
      account_no: holding.accountNo,
      customer_no: customer.customerNo,
      product_code: holding.productCode,
      balance,
      currency: 'CNY',
      opened_on: holding.openedOn,
      ...(holding.maturityDate ? { maturity_date: holding.maturityDate } : {}),
      status: 'ACTIVE',
    };
    // An instant as version, so that later runs on the same database (the inbox remembers versions) still win;
    // never twice the same, so that two changes of one account within a millisecond are not one stale.
    this.lastVersionMs = Math.max(Date.now(), this.lastVersionMs + 1);
    const payload = JSON.stringify({
      eventId,
      source: EVENT_SOURCE,
      key: holding.accountNo,
      version: new Date(this.lastVersionMs).toISOString(),
      data,
    });
    return {
      eventId,
      customerId: customer.id,
      accountNo: holding.accountNo,
      accountNoBidx: holding.accountNoBidx,
      balance,
      aum,
      tier,
      crossesTier,
      payload,
    };
  }

  /** The tracked change was seen re-derived: its customer may change again. */
  settle(eventId: string): void {
    const customer = this.byEvent.get(eventId);
    if (customer) this.held.delete(customer);
    this.byEvent.delete(eventId);
  }

  private pickFree(): Customer {
    for (let attempt = 0; attempt < 1000; attempt++) {
      const customer = this.customers[Math.floor(this.random() * this.customers.length)];
      if (!this.held.has(customer)) return customer;
    }
    throw new Error('every customer tried is held by a tracked change: the feed is far behind');
  }

  /** A balance that puts the customer's AUM just across the nearest tier threshold it can cross with this holding. */
  private crossingBalance(customer: Customer, holding: Holding): bigint | undefined {
    const others = customer.aumCents - holding.balanceCents;
    const margin = 1n + BigInt(Math.floor(this.random() * 5_000_000)); // up to 50,000.00
    for (const threshold of [this.config.segmentation.wealthMinAum, this.config.segmentation.privateBankingMinAum]) {
      const line = BigInt(Math.round(threshold * 100));
      if (customer.aumCents < line) return line - others + margin - 1n;
      if (others < line) return others + margin > line ? 0n : line - others - margin;
    }
    return undefined;
  }

  /** Up to 5% up or down, never the same balance, never below zero or above the money bound. */
  private driftedBalance(holding: Holding): bigint {
    const step = (holding.balanceCents * BigInt(Math.floor(this.random() * 500))) / 10_000n + 100n;
    const up = this.random() < 0.5 || holding.balanceCents < step;
    const next = up ? holding.balanceCents + step : holding.balanceCents - step;
    return next > MAX_CENTS ? holding.balanceCents - step : next;
  }
}

function cents(amount: string): bigint {
  const [whole, fraction = ''] = amount.split('.');
  return BigInt(whole) * 100n + BigInt((fraction + '00').slice(0, 2));
}

function money(value: bigint): string {
  return `${value / 100n}.${String(value % 100n).padStart(2, '0')}`;
}

/** A small seeded generator: the same seed offers the same stream of changes to the same database. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
