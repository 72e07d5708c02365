import type { KindSpec } from '../kind';
import { branches } from './branches';
import { consents } from './consents';
import { customers } from './customers';
import { dailyBalances } from './daily-balances';
import { exchangeRates } from './exchange-rates';
import { holdings } from './holdings';
import { interactions } from './interactions';
import { products } from './products';
import { riskAssessments } from './risk-assessments';
import { staff } from './staff';
import { tags } from './tags';

/** Every kind of data a bank brings, in the order a first load goes (references before what refers to them). */
export const KINDS = {
  branches,
  staff,
  products,
  exchange_rates: exchangeRates,
  customers,
  consents,
  holdings,
  daily_balances: dailyBalances,
  risk_assessments: riskAssessments,
  tags,
  interactions,
} as const satisfies Record<string, KindSpec>;

export type KindName = keyof typeof KINDS;

export const KIND_NAMES = Object.keys(KINDS) as KindName[];

export function isKindName(name: string): name is KindName {
  return Object.hasOwn(KINDS, name);
}

export function kindSpec(name: KindName): KindSpec {
  return KINDS[name];
}
