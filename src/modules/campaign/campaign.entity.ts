import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn } from 'typeorm';
import { Tier, LifecycleStage } from '../customer/customer.enums';
import { Channel } from '../interaction/interaction.enums';
import { CampaignStatus, EnrollmentStatus } from './campaign.enums';

export interface CampaignMessageRow {
  channel: Channel;
  text: string;
}

@Entity('campaign')
export class CampaignEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { unique: true })
  code: string;

  @Column('text')
  name: string;

  @Column('text', { nullable: true })
  objective: string | null;

  @Column('text')
  status: CampaignStatus;

  @Column('text', { name: 'target_tiers', array: true })
  targetTiers: Tier[];

  @Column('text', { name: 'target_lifecycle_stages', array: true })
  targetLifecycleStages: LifecycleStage[];

  @Column('text', { name: 'target_tag_codes', array: true })
  targetTagCodes: string[];

  @Column('numeric', { name: 'target_aum_min', precision: 18, scale: 2, nullable: true })
  targetAumMin: string | null;

  @Column('numeric', { name: 'target_aum_max', precision: 18, scale: 2, nullable: true })
  targetAumMax: string | null;

  @Column('text', { array: true })
  channels: Channel[];

  @Column('uuid', { name: 'product_id', nullable: true })
  productId: string | null;

  @Column('numeric', { precision: 18, scale: 2 })
  budget: string;

  @Column('numeric', { precision: 18, scale: 2 })
  cost: string;

  @Column('date', { name: 'starts_on', nullable: true })
  startsOn: string | null;

  @Column('date', { name: 'ends_on', nullable: true })
  endsOn: string | null;

  @Column('uuid', { name: 'created_by' })
  createdBy: string;

  @Column('uuid', { name: 'approved_by', nullable: true })
  approvedBy: string | null;

  @Column('uuid', { name: 'rejected_by', nullable: true })
  rejectedBy: string | null;

  @Column('text', { name: 'rejection_reason', nullable: true })
  rejectionReason: string | null;

  /** At most one per channel of the campaign, in the order the maker gave them. */
  @Column('jsonb')
  messages: CampaignMessageRow[];

  @Column('text', { name: 'risk_disclosure', nullable: true })
  riskDisclosure: string | null;

  /** Optimistic lock: concurrent transitions of one campaign, exactly one wins. */
  @VersionColumn()
  version: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

@Entity('campaign_enrollment')
export class CampaignEnrollmentEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'campaign_id' })
  campaignId: string;

  @Column('uuid', { name: 'customer_id' })
  customerId: string;

  @Column('text')
  status: EnrollmentStatus;

  @Column('text')
  channel: Channel;

  @Column('numeric', { precision: 18, scale: 2 })
  revenue: string;

  @Column('timestamptz', { name: 'enrolled_at' })
  enrolledAt: Date;

  @Column('timestamptz', { name: 'contacted_at', nullable: true })
  contactedAt: Date | null;

  @Column('timestamptz', { name: 'responded_at', nullable: true })
  respondedAt: Date | null;

  @Column('timestamptz', { name: 'converted_at', nullable: true })
  convertedAt: Date | null;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}
