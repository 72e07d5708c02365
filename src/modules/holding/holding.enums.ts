import { registerEnumType } from 'type-graphql';

export enum ProductType {
  DEPOSIT = 'DEPOSIT',
  TIME_DEPOSIT = 'TIME_DEPOSIT',
  FUND = 'FUND',
  WEALTH_MANAGEMENT = 'WEALTH_MANAGEMENT',
  INSURANCE = 'INSURANCE',
  LOAN = 'LOAN',
  CREDIT_CARD = 'CREDIT_CARD',
  PRECIOUS_METAL = 'PRECIOUS_METAL',
}
/** Product risk, R1 (lowest) to R5; compares in order as text. */
export enum RiskLevel {
  R1 = 'R1',
  R2 = 'R2',
  R3 = 'R3',
  R4 = 'R4',
  R5 = 'R5',
}
export enum HoldingStatus {
  ACTIVE = 'ACTIVE',
  MATURED = 'MATURED',
  CLOSED = 'CLOSED',
}

/** Balances of these types make up AUM; loans and credit cards never do. */
export const AUM_PRODUCT_TYPES: readonly ProductType[] = [
  ProductType.DEPOSIT,
  ProductType.TIME_DEPOSIT,
  ProductType.FUND,
  ProductType.WEALTH_MANAGEMENT,
  ProductType.INSURANCE,
  ProductType.PRECIOUS_METAL,
];

registerEnumType(ProductType, { name: 'ProductType' });
registerEnumType(RiskLevel, { name: 'RiskLevel' });
registerEnumType(HoldingStatus, { name: 'HoldingStatus' });
