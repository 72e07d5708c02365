import { CAMPAIGN_TRANSITIONS, isCheckerFor, nextStatus } from '../../src/modules/campaign/campaign-lifecycle';
import { CampaignStatus } from '../../src/modules/campaign/campaign.enums';

describe('the campaign lifecycle', () => {
  it('moves a campaign from draft to completed through approval', () => {
    let status = CampaignStatus.DRAFT;
    for (const action of ['submit', 'approve', 'launch', 'complete'] as const) status = nextStatus(action, status)!;
    expect(status).toBe(CampaignStatus.COMPLETED);
  });

  it('returns a rejected campaign to draft when it is edited', () => {
    expect(nextStatus('reject', CampaignStatus.PENDING_APPROVAL)).toBe(CampaignStatus.REJECTED);
    expect(nextStatus('update', CampaignStatus.REJECTED)).toBe(CampaignStatus.DRAFT);
  });

  it('cancels from any state before completion, never after', () => {
    for (const status of Object.values(CampaignStatus)) {
      const expected = [CampaignStatus.COMPLETED, CampaignStatus.CANCELLED].includes(status)
        ? undefined
        : CampaignStatus.CANCELLED;
      expect(nextStatus('cancel', status)).toBe(expected);
    }
  });

  it('refuses every transition the brief does not list', () => {
    const allowed = Object.entries(CAMPAIGN_TRANSITIONS).flatMap(([action, t]) =>
      t.from.map((from) => `${action}:${from}`),
    );
    expect(allowed).toHaveLength(12);
    expect(nextStatus('launch', CampaignStatus.PENDING_APPROVAL)).toBeUndefined();
    expect(nextStatus('approve', CampaignStatus.DRAFT)).toBeUndefined();
    expect(nextStatus('update', CampaignStatus.APPROVED)).toBeUndefined();
  });

  it('lets only someone other than the creator check a campaign, whatever the letter case of the id', () => {
    const maker = '6f1c2a4e-0b7d-4c55-9e21-3a8f0d6b9c11';
    expect(isCheckerFor({ createdBy: maker }, maker)).toBe(false);
    expect(isCheckerFor({ createdBy: maker }, maker.toUpperCase())).toBe(false);
    expect(isCheckerFor({ createdBy: maker }, '0c9e8d7f-1a2b-4c3d-8e4f-5a6b7c8d9e0f')).toBe(true);
  });
});
