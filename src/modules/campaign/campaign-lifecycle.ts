import { sameStaff } from '../../auth/principal';
import { CampaignStatus as S } from './campaign.enums';

/**
 * The campaign lifecycle of PRODUCT.md §4 as data: which states each action
 * may start from, and where it leads. Anything else is a CONFLICT that names
 * the current state.
 */
export const CAMPAIGN_TRANSITIONS = {
  submit: { from: [S.DRAFT], to: S.PENDING_APPROVAL },
  approve: { from: [S.PENDING_APPROVAL], to: S.APPROVED },
  reject: { from: [S.PENDING_APPROVAL], to: S.REJECTED },
  launch: { from: [S.APPROVED], to: S.ACTIVE },
  complete: { from: [S.ACTIVE], to: S.COMPLETED },
  cancel: { from: [S.DRAFT, S.PENDING_APPROVAL, S.APPROVED, S.REJECTED, S.ACTIVE], to: S.CANCELLED },
  // Editing a rejected campaign returns it to DRAFT.
  update: { from: [S.DRAFT, S.REJECTED], to: S.DRAFT },
} as const satisfies Record<string, { from: readonly S[]; to: S }>;

export type CampaignAction = keyof typeof CAMPAIGN_TRANSITIONS;

/** The status after `action`, or undefined when the action is not allowed from `current`. */
export function nextStatus(action: CampaignAction, current: S): S | undefined {
  const transition = CAMPAIGN_TRANSITIONS[action];
  return (transition.from as readonly S[]).includes(current) ? transition.to : undefined;
}

/** Maker-checker: a campaign is approved or rejected by someone other than its creator. */
export function isCheckerFor(campaign: { createdBy: string }, actorId: string): boolean {
  return !sameStaff(campaign.createdBy, actorId);
}
