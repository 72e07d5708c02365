import { isoDate, monthStart } from './dates';
import { CustomerProfile } from './profile';
import { ProductInfo, ReferenceData } from './reference-data';
import { AumSnapshotRow, HoldingRow, money } from './rows';

/**
 * A customer's products. The balances of the AUM-counting holdings
 * (deposits, time deposits, funds, wealth management, insurance, precious
 * metals) add up, at the reference date's exchange rates, to the profile's
 * AUM, so segmentation lands each customer in the intended tier. Loans and
 * cards get balances of their own. Matured and closed holdings keep a zero
 * balance: their money has moved elsewhere.
 */

export interface HoldingFacts {
  mortgage: boolean;
  smallBusiness: boolean;
  creditCard: boolean;
  foreignCurrency: boolean;
  gold: boolean;
}

interface Planned {
  product: ProductInfo;
  currency: string;
  /** Relative share of AUM; 0 for loans, cards and zero-balance history. */
  weight: number;
  balanceCents?: number;
  status: HoldingRow['status'];
  openedDay: number;
  maturityDay: number | null;
}

export function generateHoldings(ref: ReferenceData, p: CustomerProfile, out: HoldingRow[]): HoldingFacts {
  const { rng } = p;
  const today = ref.referenceDay;
  const wealthy = p.segment === 'WEALTH' || p.segment === 'PRIVATE_BANKING';
  const product = (code: string) => ref.productByCode.get(code)!;
  const suitable = (codes: string[]) => codes.map(product).filter((x) => x.risk <= p.riskTolerance);
  const openSince = (from: number) => rng.int(Math.min(from, today - 1), today - 1);
  /** A live contract of `term` days: opened recently enough not to have matured. */
  const liveTerm = (term: number) => {
    const opened = rng.int(Math.max(p.onboardDay, today - term + 1), today - 1);
    return { openedDay: opened, maturityDay: opened + term };
  };
  const planned: Planned[] = [];
  const add = (code: string, weight: number, currency = 'CNY') => {
    const info = product(code);
    const dates = info.termDays ? liveTerm(info.termDays) : { openedDay: openSince(p.onboardDay), maturityDay: null };
    planned.push({ product: info, currency, weight: weight * rng.exponential(), status: 'ACTIVE', ...dates });
  };

  // The current account is opened on the day the customer joins.
  planned.push({
    product: product('DEP_CNY_CURRENT'),
    currency: 'CNY',
    weight: (p.segment === 'PRIVATE_BANKING' ? 0.5 : 1) * rng.exponential(),
    status: 'ACTIVE',
    openedDay: p.onboardDay,
    maturityDay: null,
  });
  const southern = p.branch.row.code === 'SZ001' || p.branch.row.code === 'GZ001';
  if (rng.chance(wealthy ? 0.25 : 0.08)) add('DEP_FX_CURRENT', 0.6, 'USD');
  if (rng.chance(southern ? 0.15 : 0.04)) add('DEP_FX_CURRENT', 0.5, 'HKD');
  if (rng.chance(0.015)) add('DEP_FX_CURRENT', 0.4, 'EUR');
  if (rng.chance(0.55)) {
    const large = p.aumCents >= 30_000_000;
    add(rng.pick(large ? ['TD_CNY_1Y', 'TD_CNY_3Y', 'TD_LARGE_CD_3Y'] : ['TD_CNY_1Y', 'TD_CNY_1Y', 'TD_CNY_3Y']), 1.5);
  }
  const funds = suitable(['FD_BOND_PURE', 'FD_BALANCED', 'FD_CSI300_ENHANCED', 'FD_GLOBAL_TECH_QDII']);
  if (funds.length > 0 && rng.chance(wealthy ? 0.6 : p.age < 35 ? 0.45 : 0.35)) {
    add(rng.pick(funds).row.code, 1);
    if (rng.chance(0.25)) add(rng.pick(funds).row.code, 0.8);
  }
  const wealthProducts = suitable(
    p.segment === 'PRIVATE_BANKING'
      ? ['WM_STEADY_90D', 'WM_ENHANCED_180D', 'WM_PB_EQUITY_365D']
      : ['WM_STEADY_90D', 'WM_ENHANCED_180D'],
  );
  if (wealthProducts.length > 0 && rng.chance(wealthy ? 0.65 : 0.35)) add(rng.pick(wealthProducts).row.code, 1.5);
  const insurance = suitable(['INS_ANNUITY', 'INS_WHOLE_LIFE', 'INS_UNIT_LINKED']);
  if (insurance.length > 0 && rng.chance(p.age >= 30 && p.age < 60 ? 0.3 : 0.12))
    add(rng.pick(insurance).row.code, 0.8);
  const metals = suitable(['PM_GOLD_BAR', 'PM_GOLD_ACCUMULATION']);
  const gold = metals.length > 0 && rng.chance(0.08);
  if (gold) add(rng.pick(metals).row.code, 0.4);

  splitAum(p, planned, ref.latestRate);

  const mortgage = p.age >= 25 && p.age < 60 && rng.chance(0.18);
  if (mortgage) planned.push(loan(p, product('LN_MORTGAGE'), today, 30_000_000, 300_000_000, 3650));
  if (rng.chance(0.08)) planned.push(loan(p, product('LN_CONSUMER'), today, 2_000_000, 30_000_000, 1094));
  const smallBusiness = p.age >= 25 && rng.chance(0.05);
  if (smallBusiness) planned.push(loan(p, product('LN_SMALL_BUSINESS'), today, 10_000_000, 200_000_000, 364));
  const creditCard = rng.chance(0.55);
  if (creditCard) {
    const card = product(wealthy && rng.chance(0.6) ? 'CC_PLATINUM' : 'CC_STANDARD');
    const owed = rng.chance(0.3) ? 0 : Math.min(Math.round(600_000 * Math.exp(rng.normal())), 20_000_000);
    planned.push({
      product: card,
      currency: 'CNY',
      weight: 0,
      balanceCents: owed,
      status: 'ACTIVE',
      openedDay: openSince(p.onboardDay),
      maturityDay: null,
    });
  }
  const history = pastHolding(p, ref);
  if (history) planned.push(history);

  planned.forEach((h, k) => {
    out.push({
      id: rng.uuid(),
      customer_id: p.row.id,
      product_id: h.product.row.id,
      account_no: accountNumber(p.branchNumber, p.index, k),
      balance: money(h.balanceCents ?? 0),
      currency: h.currency,
      opened_on: isoDate(h.openedDay),
      maturity_date: h.maturityDay === null ? null : isoDate(h.maturityDay),
      status: h.status,
    });
  });
  return { mortgage, smallBusiness, creditCard, foreignCurrency: planned.some((h) => h.currency !== 'CNY'), gold };
}

/** Split the AUM over the planned holdings by their random weights; foreign ones in their own currency. */
function splitAum(p: CustomerProfile, planned: Planned[], rates: Map<string, number>): void {
  const total = planned.reduce((sum, h) => sum + h.weight, 0);
  for (const h of planned) {
    const cnyCents = (p.aumCents * h.weight) / total;
    h.balanceCents = Math.round(cnyCents / (rates.get(h.currency) ?? 1));
  }
}

/** Outstanding principal shrinks as the loan runs. */
function loan(
  p: CustomerProfile,
  info: ProductInfo,
  today: number,
  minCents: number,
  maxCents: number,
  maxAge: number,
): Planned {
  const { rng } = p;
  const opened = rng.int(Math.max(p.onboardDay, today - maxAge), today - 1);
  const term = info.termDays!;
  const principal = minCents * Math.pow(maxCents / minCents, rng.next());
  const remaining = 1 - (today - opened) / term;
  return {
    product: info,
    currency: 'CNY',
    weight: 0,
    balanceCents: Math.round(principal * Math.pow(remaining, 0.8)),
    status: 'ACTIVE',
    openedDay: opened,
    maturityDay: opened + term,
  };
}

/** About one customer in three has an older product that matured or was closed. */
function pastHolding(p: CustomerProfile, ref: ReferenceData): Planned | null {
  const { rng } = p;
  if (!rng.chance(0.35)) return null;
  const today = ref.referenceDay;
  const info = ref.productByCode.get(rng.pick(['TD_CNY_1Y', 'WM_STEADY_90D', 'FD_BOND_PURE', 'DEP_CNY_CURRENT']))!;
  if (info.termDays) {
    const latestOpen = today - info.termDays - 1;
    if (latestOpen < p.onboardDay) return null;
    const opened = rng.int(p.onboardDay, latestOpen);
    return {
      product: info,
      currency: 'CNY',
      weight: 0,
      balanceCents: 0,
      status: 'MATURED',
      openedDay: opened,
      maturityDay: opened + info.termDays,
    };
  }
  if (today - 30 < p.onboardDay) return null;
  return {
    product: info,
    currency: 'CNY',
    weight: 0,
    balanceCents: 0,
    status: 'CLOSED',
    openedDay: rng.int(p.onboardDay, today - 30),
    maturityDay: null,
  };
}

/** 19 digits: BIN, branch, customer index, holding number, Luhn check digit; unique by construction. */
export function accountNumber(branchNumber: number, customerIndex: number, holdingNumber: number): string {
  const body = `6222${String(branchNumber + 1).padStart(2, '0')}${String(customerIndex).padStart(10, '0')}${String(holdingNumber).padStart(2, '0')}`;
  return body + luhnCheckDigit(body);
}

function luhnCheckDigit(body: string): number {
  let sum = 0;
  for (let i = body.length - 1, double = true; i >= 0; i--, double = !double) {
    let digit = body.charCodeAt(i) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

/**
 * Month-start AUM snapshots for the last six months. Most customers drift
 * a little; the profile's `aumDrop` customers held half again as much or
 * more three months and earlier, which the churn rule reports as AUM_DROP.
 */
export function generateAumSnapshots(ref: ReferenceData, p: CustomerProfile, out: AumSnapshotRow[]): void {
  const { rng } = p;
  const growthPerMonth = rng.real(-0.02, 0.04);
  const dropFactor = 1 / rng.real(0.4, 0.62);
  const joinedMonth = monthStart(p.onboardDay, 0);
  for (let back = 5; back >= 0; back--) {
    const month = monthStart(ref.referenceDay, back);
    if (month < joinedMonth || month > ref.referenceDay) continue;
    let factor = 1 - growthPerMonth * back + rng.normal() * 0.02;
    if (p.aumDrop)
      factor =
        back >= 3
          ? dropFactor * (1 + rng.normal() * 0.02)
          : back === 2
            ? (dropFactor + 1) / 2
            : 1 + rng.normal() * 0.02;
    out.push({
      customer_id: p.row.id,
      month: isoDate(month),
      aum: money(Math.max(0, Math.round(p.aumCents * factor))),
    });
  }
}
