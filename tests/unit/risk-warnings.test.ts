import { KycStatus } from '../../src/modules/customer/customer.enums';
import { RiskWarning, RiskWarningFacts, riskWarningsFor } from '../../src/modules/risk/risk-warnings';

const TODAY = '2026-12-01';
const settled: RiskWarningFacts = {
  ageYears: 46,
  kycStatus: KycStatus.VERIFIED,
  assessmentValidUntil: '2027-01-01',
  tagCodes: ['PAYROLL_CUSTOMER'],
};
const warnings = (facts: Partial<RiskWarningFacts>) =>
  riskWarningsFor({ ...settled, ...facts }, TODAY, 'VULNERABLE_CUSTOMER');

describe('riskWarningsFor', () => {
  it('warns of nothing for a verified, assessed customer under 65', () => {
    expect(warnings({})).toEqual([]);
  });

  it('warns from 65 on', () => {
    expect(warnings({ ageYears: 65 })).toEqual([RiskWarning.AGE_65_PLUS]);
    expect(warnings({ ageYears: 64 })).toEqual([]);
  });

  it('tells a missing assessment from one expired the day after its validUntil', () => {
    expect(warnings({ assessmentValidUntil: null })).toEqual([RiskWarning.NO_ASSESSMENT]);
    expect(warnings({ assessmentValidUntil: TODAY })).toEqual([]);
    expect(warnings({ assessmentValidUntil: '2026-11-30' })).toEqual([RiskWarning.ASSESSMENT_EXPIRED]);
  });

  it('warns when KYC is anything but VERIFIED', () => {
    expect(warnings({ kycStatus: KycStatus.PENDING })).toEqual([RiskWarning.KYC_NOT_CURRENT]);
    expect(warnings({ kycStatus: KycStatus.EXPIRED })).toEqual([RiskWarning.KYC_NOT_CURRENT]);
  });

  it('warns of a vulnerable customer by the configured tag, and lists every warning in order', () => {
    expect(
      riskWarningsFor(
        {
          ageYears: 76,
          kycStatus: KycStatus.EXPIRED,
          assessmentValidUntil: null,
          tagCodes: ['CARE_NEEDED'],
        },
        TODAY,
        'CARE_NEEDED',
      ),
    ).toEqual([
      RiskWarning.AGE_65_PLUS,
      RiskWarning.NO_ASSESSMENT,
      RiskWarning.KYC_NOT_CURRENT,
      RiskWarning.VULNERABLE_CUSTOMER,
    ]);
    expect(warnings({ tagCodes: ['CARE_NEEDED'] })).toEqual([]);
  });
});
