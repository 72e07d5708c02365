import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Channel, ComplianceFlag, InteractionType } from './interaction.enums';

/** Append-only: interactions are recorded, never edited. */
@Entity('interaction')
export class InteractionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'customer_id' })
  customerId: string;

  @Column('text')
  channel: Channel;

  @Column('text')
  type: InteractionType;

  @Column('timestamptz', { name: 'occurred_at' })
  occurredAt: Date;

  @Column('text', { nullable: true })
  summary: string | null;

  @Column('uuid', { name: 'staff_id', nullable: true })
  staffId: string | null;

  @Column('text', { name: 'partner_id', nullable: true })
  partnerId: string | null;

  @Column('uuid', { name: 'campaign_id', nullable: true })
  campaignId: string | null;

  @Column('text', { nullable: true })
  outcome: string | null;

  /** What a CAMPAIGN_CONTACT breached when it was recorded; empty for every other interaction. */
  @Column('text', { name: 'compliance_flags', array: true, default: () => "'{}'" })
  complianceFlags: ComplianceFlag[];

  @CreateDateColumn({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt: Date;
}
