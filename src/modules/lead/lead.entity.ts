import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Channel } from '../interaction/interaction.enums';
import { LeadIntent, LeadStatus } from './lead.enums';

/** A prospect registered by staff or a partner, optionally linked to an existing customer. */
@Entity('lead')
export class LeadEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text')
  name: string;

  /** Stored encrypted (privacy/encryption). */
  @Column('text')
  phone: string;

  /** Keyed blind index of the phone: how erasure finds a prospect's leads. */
  @Column('text', { name: 'phone_bidx', nullable: true })
  phoneBidx: string | null;

  @Column('text', { name: 'product_interest', nullable: true })
  productInterest: string | null;

  @Column('text', { name: 'source_channel' })
  sourceChannel: Channel;

  @Column('uuid', { name: 'customer_id', nullable: true })
  customerId: string | null;

  @Column('text', { name: 'registered_by' })
  registeredBy: string;

  @Column('text', { nullable: true })
  city: string | null;

  /** A partner's reference to the prospect's separate consent to being passed on (PIPL Art. 23). */
  @Column('text', { name: 'consent_reference', nullable: true })
  consentReference: string | null;

  /** Null: not scored (the customer withdrew personalised marketing). */
  @Column('text', { nullable: true })
  intent: LeadIntent | null;

  @Column('text', { default: LeadStatus.NEW })
  status: LeadStatus;

  /** The relationship manager who works it; null with a branch: the branch's; null with none: unrouted. */
  @Column('uuid', { name: 'assignee_id', nullable: true })
  assigneeId: string | null;

  @Column('uuid', { name: 'branch_id', nullable: true })
  branchId: string | null;

  @Column('timestamptz', { name: 'contacted_at', nullable: true })
  contactedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}
