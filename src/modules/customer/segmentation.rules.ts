import { addDays } from '../../common/business-date';
import type { SegmentationThresholds } from '../../config';
import { AgeBand, AumBand, ChurnSignal, LifecycleStage, Tier } from './customer.enums';

/**
 * The segmentation rules of PRODUCT.md §1 as pure functions. The database
 * stores their results (customer.tier, lifecycle_stage, churn_signals) so that
 * filters are index scans; SegmentationService recomputes them from facts
 * with exactly these functions, so there is one definition of each rule.
 * Amounts are decimal strings; they are compared as numbers, never output so.
 */

/**
 * Customers this old or older are seniors (PRODUCT.md §1): the SENIOR_CUSTOMER
 * rule tag, and suitability's 65+ rule (no product above R3). Not a setting:
 * the product defines it, and no override exists in this version.
 */
export const SENIOR_AGE = 65;

export function aumBandFor(aum: string, t: SegmentationThresholds): AumBand {
  const value = Number(aum);
  if (value >= t.privateBankingMinAum) return AumBand.OVER_6M;
  if (value >= t.wealthMinAum) return AumBand.FROM_500K_TO_6M;
  if (value >= t.potentialMaxAum) return AumBand.FROM_50K_TO_500K;
  return AumBand.UNDER_50K;
}

/** The AUM range [min, max) that a band stands for; max undefined = unbounded. */
export function aumRangeOf(band: AumBand, t: SegmentationThresholds): { min: number; max?: number } {
  switch (band) {
    case AumBand.UNDER_50K:
      return { min: 0, max: t.potentialMaxAum };
    case AumBand.FROM_50K_TO_500K:
      return { min: t.potentialMaxAum, max: t.wealthMinAum };
    case AumBand.FROM_500K_TO_6M:
      return { min: t.wealthMinAum, max: t.privateBankingMinAum };
    case AumBand.OVER_6M:
      return { min: t.privateBankingMinAum };
  }
}

export function ageBandFor(age: number): AgeBand {
  if (age < 25) return AgeBand.UNDER_25;
  if (age < 35) return AgeBand.AGE_25_34;
  if (age < 45) return AgeBand.AGE_35_44;
  if (age < 55) return AgeBand.AGE_45_54;
  if (age < 65) return AgeBand.AGE_55_64;
  return AgeBand.AGE_65_PLUS;
}

/** POTENTIAL (young and small) takes precedence over MASS, never over the AUM tiers above it. */
export function tierFor(aum: string, age: number, t: SegmentationThresholds): Tier {
  const value = Number(aum);
  if (value >= t.privateBankingMinAum) return Tier.PRIVATE_BANKING;
  if (value >= t.wealthMinAum) return Tier.WEALTH;
  if (value < t.potentialMaxAum && age < t.potentialMaxAge) return Tier.POTENTIAL;
  return Tier.MASS;
}

export interface ActivityFacts {
  /** Business date of the customer's latest login or transaction, if any. */
  lastActiveOn: string | null;
  onboardedOn: string;
  today: string;
}

/** Decided in the brief's order: ACTIVE, then DORMANT, otherwise POTENTIAL. */
export function lifecycleStageFor(f: ActivityFacts, t: SegmentationThresholds): LifecycleStage {
  if (f.lastActiveOn !== null && f.lastActiveOn > addDays(f.today, -t.activeDays)) return LifecycleStage.ACTIVE;
  const quietLongEnough = f.lastActiveOn === null || f.lastActiveOn <= addDays(f.today, -t.dormantDays);
  const establishedCustomer = f.onboardedOn < addDays(f.today, -t.newCustomerDays);
  if (quietLongEnough && establishedCustomer) return LifecycleStage.DORMANT;
  return LifecycleStage.POTENTIAL;
}

export interface ChurnFacts {
  /** Counts in the latest churn window and in the window before it. */
  loginsRecent: number;
  loginsPrior: number;
  complaintsRecent: number;
  complaintsPrior: number;
  /** AUM now, and at the monthly snapshot one churn window ago (null when none). */
  aumNow: string;
  aumWindowAgo: string | null;
}

export function churnSignalsFor(f: ChurnFacts, t: SegmentationThresholds): ChurnSignal[] {
  const signals: ChurnSignal[] = [];
  if (f.loginsPrior > 0 && f.loginsRecent <= f.loginsPrior * (1 - t.churnLoginDeclineRatio)) {
    signals.push(ChurnSignal.LOGIN_DECLINE);
  }
  if (f.aumWindowAgo !== null) {
    const before = Number(f.aumWindowAgo);
    if (before > 0 && Number(f.aumNow) <= before * (1 - t.churnAumDropRatio)) signals.push(ChurnSignal.AUM_DROP);
  }
  if (f.complaintsRecent > f.complaintsPrior) signals.push(ChurnSignal.COMPLAINTS_RISING);
  return signals;
}
