import { AuditRecordEntity } from '../modules/audit/audit-record.entity';
import { CampaignEnrollmentEntity, CampaignEntity } from '../modules/campaign/campaign.entity';
import { ConsentEntity } from '../modules/consent/consent.entity';
import { CustomerAumSnapshotEntity, CustomerEntity } from '../modules/customer/customer.entity';
import { FxRateEntity, HoldingEntity, ProductEntity } from '../modules/holding/holding.entity';
import { IdempotencyRecordEntity } from '../modules/idempotency/idempotency-record.entity';
import { InteractionEntity } from '../modules/interaction/interaction.entity';
import { LeadEntity } from '../modules/lead/lead.entity';
import { BranchEntity } from '../modules/organisation/branch.entity';
import { StaffEntity } from '../modules/organisation/staff.entity';
import { RiskAssessmentEntity } from '../modules/risk/risk-assessment.entity';
import { CustomerTagEntity, TagEntity } from '../modules/tag/tag.entity';
import { ChurnEpisodeEntity, RetentionTaskEntity } from '../modules/task/task.entity';

/** Registered as a class list, not a glob: globs break under ts/js dual builds. */
export const entities = [
  BranchEntity,
  StaffEntity,
  CustomerEntity,
  CustomerAumSnapshotEntity,
  TagEntity,
  CustomerTagEntity,
  ProductEntity,
  FxRateEntity,
  HoldingEntity,
  InteractionEntity,
  CampaignEntity,
  CampaignEnrollmentEntity,
  RiskAssessmentEntity,
  ConsentEntity,
  LeadEntity,
  AuditRecordEntity,
  IdempotencyRecordEntity,
  ChurnEpisodeEntity,
  RetentionTaskEntity,
];
