import { registerEnumType } from 'type-graphql';
import { KycStatus } from '../customer/customer.enums';
import { SENIOR_AGE } from '../customer/segmentation.rules';

export enum RiskWarning {
  AGE_65_PLUS = 'AGE_65_PLUS',
  NO_ASSESSMENT = 'NO_ASSESSMENT',
  ASSESSMENT_EXPIRED = 'ASSESSMENT_EXPIRED',
  KYC_NOT_CURRENT = 'KYC_NOT_CURRENT',
  VULNERABLE_CUSTOMER = 'VULNERABLE_CUSTOMER',
}

registerEnumType(RiskWarning, {
  name: 'RiskWarning',
  description: 'What a front end shows as a banner before any product talk with the customer.',
});

export interface RiskWarningFacts {
  /** On the business date. */
  ageYears: number;
  kycStatus: KycStatus;
  /** The latest assessment's validUntil, or null when the customer was never assessed. */
  assessmentValidUntil: string | null;
  tagCodes: readonly string[];
}

/**
 * The warnings, in the enum's order. They follow the same rules as
 * enrolment's screening: 65 and over is SENIOR_AGE, an assessment is
 * expired the day after its validUntil, and KYC is current only when
 * VERIFIED.
 */
export function riskWarningsFor(facts: RiskWarningFacts, today: string, vulnerableTagCode: string): RiskWarning[] {
  const warnings: RiskWarning[] = [];
  if (facts.ageYears >= SENIOR_AGE) warnings.push(RiskWarning.AGE_65_PLUS);
  if (facts.assessmentValidUntil === null) warnings.push(RiskWarning.NO_ASSESSMENT);
  else if (facts.assessmentValidUntil < today) warnings.push(RiskWarning.ASSESSMENT_EXPIRED);
  if (facts.kycStatus !== KycStatus.VERIFIED) warnings.push(RiskWarning.KYC_NOT_CURRENT);
  if (facts.tagCodes.includes(vulnerableTagCode)) warnings.push(RiskWarning.VULNERABLE_CUSTOMER);
  return warnings;
}
