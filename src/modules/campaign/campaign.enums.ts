import { registerEnumType } from 'type-graphql';

export enum CampaignStatus {
  DRAFT = 'DRAFT',
  PENDING_APPROVAL = 'PENDING_APPROVAL',
  APPROVED = 'APPROVED',
  REJECTED = 'REJECTED',
  ACTIVE = 'ACTIVE',
  COMPLETED = 'COMPLETED',
  CANCELLED = 'CANCELLED',
}

export enum EnrollmentStatus {
  TARGETED = 'TARGETED',
  CONTACTED = 'CONTACTED',
  RESPONDED = 'RESPONDED',
  CONVERTED = 'CONVERTED',
  OPTED_OUT = 'OPTED_OUT',
}

registerEnumType(CampaignStatus, { name: 'CampaignStatus' });
registerEnumType(EnrollmentStatus, { name: 'EnrollmentStatus' });
