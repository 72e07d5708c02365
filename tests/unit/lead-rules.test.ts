import { Tier } from '../../src/modules/customer/customer.enums';
import { Channel } from '../../src/modules/interaction/interaction.enums';
import { LeadIntent, LeadStatus } from '../../src/modules/lead/lead.enums';
import { LeadFacts, mayMoveLead, scoreIntent } from '../../src/modules/lead/lead-rules';

const prospect = (over: Partial<LeadFacts> = {}): LeadFacts => ({
  sourceChannel: Channel.WEB,
  productInterest: null,
  tier: null,
  recentProductViews: 0,
  personalisedMarketingWithdrawn: false,
  ...over,
});

describe('lead intent', () => {
  it('is LOW for a web form with nothing else known', () => {
    expect(scoreIntent(prospect())).toBe(LeadIntent.LOW);
  });

  it('is MEDIUM for a prospect who came to a branch asking about a product', () => {
    expect(scoreIntent(prospect({ sourceChannel: Channel.BRANCH, productInterest: '基金' }))).toBe(LeadIntent.MEDIUM);
  });

  it('does not count a product interest of blanks', () => {
    expect(scoreIntent(prospect({ sourceChannel: Channel.BRANCH, productInterest: '  ' }))).toBe(LeadIntent.LOW);
  });

  it('is HIGH for a private banking customer who asks through a partner', () => {
    expect(
      scoreIntent(prospect({ sourceChannel: Channel.PARTNER, productInterest: '基金', tier: Tier.PRIVATE_BANKING })),
    ).toBe(LeadIntent.HIGH);
  });

  it('lifts a mass customer from MEDIUM to HIGH with three recent product views, not with one', () => {
    const base = { sourceChannel: Channel.MOBILE_APP, productInterest: '理财', tier: Tier.MASS };
    expect(scoreIntent(prospect({ ...base, recentProductViews: 1 }))).toBe(LeadIntent.MEDIUM);
    expect(scoreIntent(prospect({ ...base, recentProductViews: 3 }))).toBe(LeadIntent.HIGH);
  });

  it('ranks a wealth customer above a potential one on the same facts', () => {
    const base = { sourceChannel: Channel.CALL_CENTER, productInterest: '理财' };
    expect(scoreIntent(prospect({ ...base, tier: Tier.WEALTH }))).toBe(LeadIntent.MEDIUM);
    expect(scoreIntent(prospect({ ...base, tier: Tier.POTENTIAL }))).toBe(LeadIntent.LOW);
  });

  it('scores no one who withdrew personalised marketing, however strong the facts', () => {
    expect(
      scoreIntent(
        prospect({
          sourceChannel: Channel.BRANCH,
          productInterest: '基金',
          tier: Tier.PRIVATE_BANKING,
          recentProductViews: 5,
          personalisedMarketingWithdrawn: true,
        }),
      ),
    ).toBeNull();
  });
});

describe('lead status', () => {
  it('moves forward one step at a time', () => {
    expect(mayMoveLead(LeadStatus.NEW, LeadStatus.CONTACTED)).toBe(true);
    expect(mayMoveLead(LeadStatus.CONTACTED, LeadStatus.QUALIFIED)).toBe(true);
    expect(mayMoveLead(LeadStatus.QUALIFIED, LeadStatus.CONVERTED)).toBe(true);
    expect(mayMoveLead(LeadStatus.NEW, LeadStatus.QUALIFIED)).toBe(false);
    expect(mayMoveLead(LeadStatus.CONTACTED, LeadStatus.CONVERTED)).toBe(false);
  });

  it('may be lost from any open status, and never leaves CONVERTED or LOST', () => {
    for (const open of [LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED]) {
      expect(mayMoveLead(open, LeadStatus.LOST)).toBe(true);
    }
    for (const to of Object.values(LeadStatus)) {
      expect(mayMoveLead(LeadStatus.CONVERTED, to)).toBe(false);
      expect(mayMoveLead(LeadStatus.LOST, to)).toBe(false);
    }
  });

  it('never goes back', () => {
    expect(mayMoveLead(LeadStatus.QUALIFIED, LeadStatus.CONTACTED)).toBe(false);
    expect(mayMoveLead(LeadStatus.CONTACTED, LeadStatus.NEW)).toBe(false);
  });
});
