import { loadConfig } from '../../src/config';
import { AgeBand, AumBand, ChurnSignal, LifecycleStage, Tier } from '../../src/modules/customer/customer.enums';
import {
  ageBandFor,
  aumBandFor,
  churnSignalsFor,
  lifecycleStageFor,
  tierFor,
} from '../../src/modules/customer/segmentation.rules';

const t = loadConfig({}).segmentation;

describe('tier', () => {
  it.each([
    ['6000000.00', 50, Tier.PRIVATE_BANKING],
    ['5999999.99', 50, Tier.WEALTH],
    ['500000.00', 20, Tier.WEALTH],
    ['499999.99', 50, Tier.MASS],
    ['49999.99', 34, Tier.POTENTIAL],
    ['49999.99', 35, Tier.MASS],
    ['50000.00', 20, Tier.MASS],
  ])('AUM %s at age %i is %s', (aum, age, tier) => {
    expect(tierFor(aum, age, t)).toBe(tier);
  });

  it('follows configured thresholds', () => {
    const custom = loadConfig({ TIER_PRIVATE_BANKING_MIN_AUM: '1000000' }).segmentation;
    expect(tierFor('1000000.00', 50, custom)).toBe(Tier.PRIVATE_BANKING);
  });
});

describe('bands', () => {
  it.each([
    ['0.00', AumBand.UNDER_50K],
    ['50000.00', AumBand.FROM_50K_TO_500K],
    ['500000.00', AumBand.FROM_500K_TO_6M],
    ['6000000.00', AumBand.OVER_6M],
  ])('AUM %s is in band %s', (aum, band) => expect(aumBandFor(aum, t)).toBe(band));

  it.each([
    [24, AgeBand.UNDER_25],
    [25, AgeBand.AGE_25_34],
    [44, AgeBand.AGE_35_44],
    [54, AgeBand.AGE_45_54],
    [64, AgeBand.AGE_55_64],
    [65, AgeBand.AGE_65_PLUS],
  ])('age %i is in band %s', (age, band) => expect(ageBandFor(age)).toBe(band));
});

describe('lifecycle stage', () => {
  const today = '2026-11-27';
  it('is ACTIVE with a login or transaction within 30 days', () => {
    expect(lifecycleStageFor({ lastActiveOn: '2026-10-29', onboardedOn: '2010-01-01', today }, t)).toBe(
      LifecycleStage.ACTIVE,
    );
  });
  it('is DORMANT after 180 quiet days for a customer onboarded over 90 days ago', () => {
    expect(lifecycleStageFor({ lastActiveOn: '2026-05-30', onboardedOn: '2010-01-01', today }, t)).toBe(
      LifecycleStage.DORMANT,
    );
    expect(lifecycleStageFor({ lastActiveOn: null, onboardedOn: '2026-08-01', today }, t)).toBe(LifecycleStage.DORMANT);
  });
  it('is POTENTIAL for a new customer never active, or one active now and then', () => {
    expect(lifecycleStageFor({ lastActiveOn: null, onboardedOn: '2026-09-01', today }, t)).toBe(
      LifecycleStage.POTENTIAL,
    );
    expect(lifecycleStageFor({ lastActiveOn: '2026-09-01', onboardedOn: '2010-01-01', today }, t)).toBe(
      LifecycleStage.POTENTIAL,
    );
  });
});

describe('churn signals', () => {
  const quiet = {
    loginsRecent: 10,
    loginsPrior: 10,
    complaintsRecent: 0,
    complaintsPrior: 0,
    aumNow: '100000.00',
    aumWindowAgo: '100000.00',
  };
  it('raises none for a steady customer', () => {
    expect(churnSignalsFor(quiet, t)).toEqual([]);
  });
  it('flags logins falling by 30% or more', () => {
    expect(churnSignalsFor({ ...quiet, loginsRecent: 7 }, t)).toEqual([ChurnSignal.LOGIN_DECLINE]);
    expect(churnSignalsFor({ ...quiet, loginsRecent: 8 }, t)).toEqual([]);
  });
  it('flags AUM down 30% or more over the window, and needs a snapshot to compare', () => {
    expect(churnSignalsFor({ ...quiet, aumNow: '70000.00' }, t)).toEqual([ChurnSignal.AUM_DROP]);
    expect(churnSignalsFor({ ...quiet, aumNow: '70000.01' }, t)).toEqual([]);
    expect(churnSignalsFor({ ...quiet, aumNow: '0.00', aumWindowAgo: null }, t)).toEqual([]);
  });
  it('flags more complaints than in the window before', () => {
    expect(churnSignalsFor({ ...quiet, complaintsRecent: 2, complaintsPrior: 1 }, t)).toEqual([
      ChurnSignal.COMPLAINTS_RISING,
    ]);
  });
});
