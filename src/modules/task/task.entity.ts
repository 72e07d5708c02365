import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { ChurnSignal, Tier } from '../customer/customer.enums';
import { TaskOutcome, TaskReason, TaskStatus } from './task.enums';

/**
 * A customer's churn episode: from the segmentation run that first raised
 * any churn signal to the run that raised none (churn-episodes.ts writes
 * them; at most one open per customer).
 */
@Entity('churn_episode')
export class ChurnEpisodeEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'customer_id' })
  customerId: string;

  @Column('timestamptz', { name: 'started_at' })
  startedAt: Date;

  @Column('timestamptz', { name: 'ended_at', nullable: true })
  endedAt: Date | null;

  /** The customer's tier when the episode started. */
  @Column('text')
  tier: Tier;

  /** Every signal raised during the episode. */
  @Column('text', { array: true })
  signals: ChurnSignal[];
}

/** The one follow-up an episode opens, for the customer's relationship manager or, without one, their branch. */
@Entity('retention_task')
export class RetentionTaskEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'episode_id', unique: true })
  episodeId: string;

  @Column('uuid', { name: 'customer_id' })
  customerId: string;

  @Column('uuid', { name: 'assignee_id', nullable: true })
  assigneeId: string | null;

  @Column('uuid', { name: 'branch_id' })
  branchId: string;

  @Column('timestamptz', { name: 'opened_at' })
  openedAt: Date;

  @Column('date', { name: 'due_on' })
  dueOn: string;

  @Column('text')
  status: TaskStatus;

  @Column('text', { nullable: true })
  outcome: TaskOutcome | null;

  @Column('text', { nullable: true })
  reason: TaskReason | null;

  @Column('text', { nullable: true })
  note: string | null;

  @Column('timestamptz', { name: 'completed_at', nullable: true })
  completedAt: Date | null;

  @Column('uuid', { name: 'completed_by', nullable: true })
  completedBy: string | null;
}
