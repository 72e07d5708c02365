import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Churn warnings become follow-up work (issue 19, item 2). An episode runs
 * from the segmentation run that first raises any churn signal for a customer
 * to the run that raises none; each episode opens exactly one retention task.
 * "Exactly one" is the database's to keep, not the writer's: two refreshes
 * of one customer in flight at once both see no open episode in their
 * snapshot, and only the partial unique index makes the second insert a no-op
 * (ON CONFLICT DO NOTHING) instead of a second episode; the task's unique
 * episode_id does the same one level down.
 *
 * Customers whose churn_signals are already set get their episode at their
 * next refresh or the nightly run, not here: that run is the one place that
 * opens episodes, with the due date and assignee of its day.
 */
export class RetentionTasks1765440000000 implements MigrationInterface {
  name = 'RetentionTasks1765440000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE churn_episode (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        customer_id uuid NOT NULL REFERENCES customer(id),
        started_at timestamptz(3) NOT NULL,
        ended_at timestamptz(3),
        tier text NOT NULL CHECK (tier IN ('PRIVATE_BANKING','WEALTH','MASS','POTENTIAL')),
        signals text[] NOT NULL
          CHECK (signals <> '{}' AND signals <@ ARRAY['LOGIN_DECLINE','AUM_DROP','COMPLAINTS_RISING']::text[]),
        CHECK (ended_at IS NULL OR ended_at >= started_at)
      )`);
    await q.query(`CREATE UNIQUE INDEX churn_episode_open_idx ON churn_episode (customer_id) WHERE ended_at IS NULL`);
    await q.query(`CREATE INDEX churn_episode_started_idx ON churn_episode (started_at)`);

    await q.query(`
      CREATE TABLE retention_task (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        episode_id uuid NOT NULL UNIQUE REFERENCES churn_episode(id),
        customer_id uuid NOT NULL REFERENCES customer(id),
        -- The customer's relationship manager when the task opened; NULL: the branch's task.
        assignee_id uuid REFERENCES staff(id),
        branch_id uuid NOT NULL REFERENCES branch(id),
        opened_at timestamptz(3) NOT NULL,
        due_on date NOT NULL,
        status text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN','COMPLETED')),
        outcome text CHECK (outcome IN ('RETAINED','LOST','UNREACHABLE')),
        reason text CHECK (reason IN ('PRICE','SERVICE','COMPETITOR','RELOCATION','LIFE_EVENT','PRODUCT_FIT','OTHER')),
        note text CHECK (char_length(note) <= 1000),
        completed_at timestamptz(3),
        completed_by uuid REFERENCES staff(id),
        CHECK ((status = 'COMPLETED') = (outcome IS NOT NULL AND reason IS NOT NULL AND completed_at IS NOT NULL
                                         AND completed_by IS NOT NULL))
      )`);
    // myTasks pages: a manager's own tasks, and a branch's tasks (those without a manager), by due date.
    await q.query(`CREATE INDEX retention_task_assignee_idx ON retention_task (assignee_id, due_on, id)`);
    await q.query(
      `CREATE INDEX retention_task_branch_idx ON retention_task (branch_id, due_on, id) WHERE assignee_id IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE retention_task`);
    await q.query(`DROP TABLE churn_episode`);
  }
}
