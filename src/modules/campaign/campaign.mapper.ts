import { CampaignEntity } from './campaign.entity';
import { Campaign } from './campaign.type';

export function toCampaign(row: CampaignEntity): Campaign {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    objective: row.objective,
    status: row.status,
    targetCriteria: {
      tiers: row.targetTiers,
      lifecycleStages: row.targetLifecycleStages,
      tagCodes: row.targetTagCodes,
      aumMin: row.targetAumMin,
      aumMax: row.targetAumMax,
    },
    channels: row.channels,
    budget: row.budget,
    startsOn: row.startsOn,
    endsOn: row.endsOn,
    createdAt: row.createdAt,
    productId: row.productId,
    messages: row.messages,
    riskDisclosure: row.riskDisclosure,
    approvedBy: row.approvedBy,
    rejectedBy: row.rejectedBy,
    rejectionReason: row.rejectionReason,
  };
}
