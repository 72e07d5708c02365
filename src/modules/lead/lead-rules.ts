import { Tier } from '../customer/customer.enums';
import { Channel } from '../interaction/interaction.enums';
import { LeadIntent, LeadStatus } from './lead.enums';

/** What is known of a lead when it is registered. */
export interface LeadFacts {
  sourceChannel: Channel;
  productInterest: string | null;
  /** The linked customer's; null for a prospect. */
  tier: Tier | null;
  /** The linked customer's PRODUCT_VIEW interactions in the last LEAD_PRODUCT_VIEW_DAYS days (0 for a prospect). */
  recentProductViews: number;
  /** The linked customer explicitly withdrew PERSONALISED_MARKETING: profiling them is not allowed. */
  personalisedMarketingWithdrawn: boolean;
}

/** The window of product views that count towards intent. */
export const LEAD_PRODUCT_VIEW_DAYS = 30;

/**
 * The scoring rules as data: each that holds adds its points. Someone who
 * walks into a branch or calls in asking is further along than someone who
 * left a number on a web form; a wealthier customer who has been looking at
 * products lately more so.
 */
export const INTENT_RULES: readonly { rule: string; points: number; holds: (f: LeadFacts) => boolean }[] = [
  { rule: 'came to a branch', points: 2, holds: (f) => f.sourceChannel === Channel.BRANCH },
  {
    rule: 'called, or came through the app or a partner',
    points: 1,
    holds: (f) => [Channel.CALL_CENTER, Channel.MOBILE_APP, Channel.PARTNER].includes(f.sourceChannel),
  },
  { rule: 'named a product', points: 1, holds: (f) => (f.productInterest?.trim() ?? '') !== '' },
  { rule: 'private banking customer', points: 3, holds: (f) => f.tier === Tier.PRIVATE_BANKING },
  { rule: 'wealth customer', points: 2, holds: (f) => f.tier === Tier.WEALTH },
  { rule: 'mass customer', points: 1, holds: (f) => f.tier === Tier.MASS },
  { rule: 'viewed products lately', points: 1, holds: (f) => f.recentProductViews >= 1 },
  { rule: 'viewed products three times or more lately', points: 1, holds: (f) => f.recentProductViews >= 3 },
];

/** The least points of each intent, highest first. */
export const INTENT_THRESHOLDS: readonly [LeadIntent, number][] = [
  [LeadIntent.HIGH, 5],
  [LeadIntent.MEDIUM, 3],
  [LeadIntent.LOW, 0],
];

/** The intent of a lead; null for a customer who withdrew personalised marketing (they are not profiled). */
export function scoreIntent(facts: LeadFacts): LeadIntent | null {
  if (facts.personalisedMarketingWithdrawn) return null;
  const points = INTENT_RULES.reduce((sum, r) => sum + (r.holds(facts) ? r.points : 0), 0);
  return INTENT_THRESHOLDS.find(([, least]) => points >= least)![0];
}

/**
 * Where a lead may go next. LOST is open to every status before the end,
 * not only QUALIFIED: a prospect who never answers is lost without being
 * contacted, and would otherwise stay NEW (and overdue) for ever.
 */
export const LEAD_TRANSITIONS: Record<LeadStatus, readonly LeadStatus[]> = {
  [LeadStatus.NEW]: [LeadStatus.CONTACTED, LeadStatus.LOST],
  [LeadStatus.CONTACTED]: [LeadStatus.QUALIFIED, LeadStatus.LOST],
  [LeadStatus.QUALIFIED]: [LeadStatus.CONVERTED, LeadStatus.LOST],
  [LeadStatus.CONVERTED]: [],
  [LeadStatus.LOST]: [],
};

export function mayMoveLead(from: LeadStatus, to: LeadStatus): boolean {
  return LEAD_TRANSITIONS[from].includes(to);
}
