import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An outbox event's time (`occurredAt` on the broker) is when its trigger
 * ran, not when its transaction began. Consumers order the events of one
 * consent or enrolment by it, and a transaction that began first may change
 * the row last: it waits for the other writer's row lock, and its trigger
 * runs only after that writer has committed, so the clock at the trigger
 * orders the changes of one row as they were made; the transaction's start
 * time put the decision in force before the one it replaced.
 */
export class OutboxEventWrittenAt1765094400000 implements MigrationInterface {
  name = 'OutboxEventWrittenAt1765094400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox_event ALTER COLUMN created_at SET DEFAULT clock_timestamp()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox_event ALTER COLUMN created_at SET DEFAULT now()`);
  }
}
