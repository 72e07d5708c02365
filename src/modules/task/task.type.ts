import { Field, ID, Int, ObjectType } from 'type-graphql';
import { ConnectionType } from '../../common/pagination';
import { DateScalar, DateTimeScalar } from '../../common/scalars';
import { ChurnSignal, Tier } from '../customer/customer.enums';
import { TaskOutcome, TaskReason, TaskStatus } from './task.enums';

@ObjectType('RetentionTask', {
  simpleResolvers: true,
  description:
    'A follow-up opened when segmentation first raised churn signals for a customer (one per churn episode).',
})
export class RetentionTask {
  @Field(() => ID)
  id: string;

  @Field(() => TaskStatus)
  status: TaskStatus;

  @Field(() => [ChurnSignal], { description: 'Every signal raised during the episode so far.' })
  signals: ChurnSignal[];

  @Field(() => Tier, { description: "The customer's tier when the episode started." })
  tier: Tier;

  @Field(() => DateTimeScalar, { description: 'When the signals were first raised and the task opened.' })
  openedAt: Date;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: 'When a segmentation run last found no churn signal, ending the episode; null while it lasts.',
  })
  signalsClearedAt: Date | null;

  @Field(() => DateScalar, { description: 'RETENTION_TASK_DUE_DAYS calendar days after the business date it opened.' })
  dueOn: string;

  @Field(() => TaskOutcome, { nullable: true })
  outcome: TaskOutcome | null;

  @Field(() => TaskReason, { nullable: true })
  reason: TaskReason | null;

  @Field(() => String, { nullable: true })
  note: string | null;

  @Field(() => DateTimeScalar, { nullable: true })
  completedAt: Date | null;

  @Field(() => ID, { nullable: true, description: 'The staff member who completed it.' })
  completedBy: string | null;

  /** For the field resolvers (task.resolver.ts): not fields. */
  customerId: string;
  assigneeId: string | null;
  branchId: string;
}

export const RetentionTaskConnection = ConnectionType(RetentionTask, 'RetentionTask');

/** Small-cohort suppression's note on a withheld count. */
const W =
  'Null (SUPPRESSED) when it covers too few customers for the caller, or the other figures would tell one that does.';

@ObjectType('ChurnTierCount', { simpleResolvers: true })
export class ChurnTierCount {
  @Field(() => Tier)
  tier: Tier;

  @Field(() => Int, {
    nullable: true,
    description: `Episodes started in the period by customers of this tier (at the start). ${W}`,
  })
  count: number;
}

@ObjectType('ChurnSignalCount', { simpleResolvers: true })
export class ChurnSignalCount {
  @Field(() => ChurnSignal)
  signal: ChurnSignal;

  @Field(() => Int, { nullable: true, description: `Episodes started in the period that raised this signal. ${W}` })
  count: number;
}

@ObjectType('ChurnOutcomeCount', { simpleResolvers: true })
export class ChurnOutcomeCount {
  @Field(() => TaskOutcome)
  outcome: TaskOutcome;

  @Field(() => Int, { nullable: true, description: `Completed tasks of the period's episodes with this outcome. ${W}` })
  count: number;
}

@ObjectType('ChurnReasonCount', { simpleResolvers: true })
export class ChurnReasonCount {
  @Field(() => TaskReason)
  reason: TaskReason;

  @Field(() => Int, { nullable: true, description: `Completed tasks of the period's episodes with this reason. ${W}` })
  count: number;
}

@ObjectType('ChurnReport', {
  simpleResolvers: true,
  description:
    'Churn episodes that started from `from` to `to` (business dates, inclusive), and what came of their tasks. ' +
    'Lists hold only the values that occurred; for a caller whose small cohorts are withheld, every value, in ' +
    'the order of its enumeration.',
})
export class ChurnReport {
  @Field(() => DateScalar)
  from: string;

  @Field(() => DateScalar)
  to: string;

  @Field(() => Int, { nullable: true, description: W })
  episodes: number;

  @Field(() => Int, {
    nullable: true,
    description: `Of those episodes, how many have ended (no churn signal any more). ${W}`,
  })
  episodesEnded: number;

  @Field(() => Int, { nullable: true, description: W })
  openTasks: number;

  @Field(() => Int, { nullable: true, description: W })
  completedTasks: number;

  @Field(() => [ChurnTierCount])
  byTier: ChurnTierCount[];

  @Field(() => [ChurnSignalCount])
  bySignal: ChurnSignalCount[];

  @Field(() => [ChurnOutcomeCount])
  byOutcome: ChurnOutcomeCount[];

  @Field(() => [ChurnReasonCount])
  byReason: ChurnReasonCount[];
}
