import { registerEnumType } from 'type-graphql';

export enum TaskStatus {
  OPEN = 'OPEN',
  COMPLETED = 'COMPLETED',
}

/** What came of a retention follow-up. */
export enum TaskOutcome {
  RETAINED = 'RETAINED',
  LOST = 'LOST',
  UNREACHABLE = 'UNREACHABLE',
}

/** Why the customer was at risk, as the person who followed up judged it. */
export enum TaskReason {
  PRICE = 'PRICE',
  SERVICE = 'SERVICE',
  COMPETITOR = 'COMPETITOR',
  RELOCATION = 'RELOCATION',
  LIFE_EVENT = 'LIFE_EVENT',
  PRODUCT_FIT = 'PRODUCT_FIT',
  OTHER = 'OTHER',
}

registerEnumType(TaskStatus, { name: 'TaskStatus' });
registerEnumType(TaskOutcome, { name: 'TaskOutcome', description: 'What came of a retention follow-up.' });
registerEnumType(TaskReason, {
  name: 'TaskReason',
  description: 'Why the customer was at risk, as the person who followed up judged it.',
});
