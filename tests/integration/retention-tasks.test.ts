import { Role } from '../../src/auth/roles';
import { addDays, businessToday } from '../../src/common/business-date';
import { loadConfig } from '../../src/config';
import { ConsentPurpose } from '../../src/modules/consent/consent.enums';
import { reconcileSegments } from '../../src/modules/customer/segment-refresh-nightly';
import { requestSegmentRefresh } from '../../src/modules/customer/segment-refresh-request';
import { drainSegmentRefresh } from '../../src/modules/customer/segment-refresh-worker';
import { refreshSegments } from '../../src/modules/customer/segmentation.service';
import { ProductType } from '../../src/modules/holding/holding.enums';
import { InteractionType } from '../../src/modules/interaction/interaction.enums';
import { countStatements, withoutTransactionControl } from '../support/sql-counter';
import { useTestApp } from '../support/test-app';

/**
 * Churn warnings become retention tasks (issue 19, item 2): an episode per
 * customer from the segmentation run that first raises a churn signal to the
 * one that raises none, exactly one task per episode, myTasks, completeTask
 * and churnReport, through HTTP on PostgreSQL. The server's own refresh
 * worker is off: each test drives the refresh (worker batches or the nightly
 * run) itself, at a clock of its choosing.
 */
// K = 1: the churn report's counts here are of a customer or two (small-cohort suppression: cohort-suppression.test.ts).
const { app, make } = useTestApp({
  SEGMENT_REFRESH_ENABLED: 'false',
  RATE_LIMIT_STAFF: '100000',
  K_ANONYMITY_MIN: '1',
});
const config = loadConfig({ RETENTION_TASK_DUE_DAYS: '7' });
const DAY = 86_400_000;

/** The worker's path: queue the customers and drain the queue, as after a write. */
async function incrementalRefresh(customerIds: string[], now = new Date()) {
  await requestSegmentRefresh(app.ds, customerIds);
  await drainSegmentRefresh(app.ds, config, { batchSize: 50, now });
}

interface TaskRow {
  id: string;
  episodeId: string;
  assigneeId: string | null;
  branchId: string;
  dueOn: string;
  status: string;
  startedAt: Date;
  endedAt: Date | null;
  signals: string[];
}

async function tasksOf(customerId: string): Promise<TaskRow[]> {
  return app.ds.query(
    `SELECT t.id, t.episode_id AS "episodeId", t.assignee_id AS "assigneeId", t.branch_id AS "branchId",
            t.due_on AS "dueOn", t.status, e.started_at AS "startedAt", e.ended_at AS "endedAt", e.signals
     FROM retention_task t JOIN churn_episode e ON e.id = t.episode_id
     WHERE t.customer_id = $1 ORDER BY e.started_at`,
    [customerId],
  );
}

/** A branch with a relationship manager and a branch clerk, and their tokens. */
async function branchWithStaff() {
  const branch = await make.branch();
  const rm = await make.staff({ branchId: branch.id });
  const clerk = await make.staff({ branchId: branch.id });
  return {
    branch,
    rm,
    clerk,
    asRm: { sub: rm.id, roles: [Role.RELATIONSHIP_MANAGER], branchId: branch.id },
    asClerk: { sub: clerk.id, roles: [Role.BRANCH_STAFF], branchId: branch.id },
  };
}

/** A customer with a complaint a day before `at` and none before: COMPLAINTS_RISING at a refresh at `at`. */
async function complainingCustomer(
  values: { branchId: string; relationshipManagerId?: string | null },
  at = new Date(),
) {
  const customer = await make.customer({ relationshipManagerId: null, ...values });
  await make.interaction(customer.id, { type: InteractionType.COMPLAINT, occurredAt: new Date(at.getTime() - DAY) });
  return customer;
}

const MY_TASKS = `query ($status: TaskStatus, $first: Int, $after: String) {
  myTasks(status: $status, first: $first, after: $after) {
    totalCount
    edges { cursor node { id status signals tier dueOn openedAt signalsClearedAt outcome reason note
      customer { id customerNo name } assignee { id name } branch { id code } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const COMPLETE = `mutation ($id: ID!, $outcome: TaskOutcome!, $reason: TaskReason!, $note: String) {
  completeTask(id: $id, outcome: $outcome, reason: $reason, note: $note) {
    id status outcome reason note completedAt completedBy
  }
}`;

describe('a churn episode', () => {
  it('opens one task for the relationship manager when an incremental refresh first raises a signal, and stays one across runs', async () => {
    const { branch, rm, asRm } = await branchWithStaff();
    const customer = await complainingCustomer({ branchId: branch.id, relationshipManagerId: rm.id });

    await incrementalRefresh([customer.id]);
    const [task, ...more] = await tasksOf(customer.id);
    expect(more).toEqual([]);
    expect(task).toMatchObject({
      assigneeId: rm.id,
      branchId: branch.id,
      status: 'OPEN',
      endedAt: null,
      signals: ['COMPLAINTS_RISING'],
      // Calendar days after the business date it opened.
      dueOn: addDays(businessToday(config.businessTimeZone), 7),
    });

    // The signal is still raised by every later run: the same episode, the same task.
    await incrementalRefresh([customer.id]);
    await reconcileSegments(app.ds, config);
    await incrementalRefresh([customer.id]);
    expect((await tasksOf(customer.id)).map((t) => t.id)).toEqual([task.id]);

    const res = await app.gql(MY_TASKS, {}, { as: asRm });
    expect(res.errors).toBeUndefined();
    expect(res.data.myTasks.totalCount).toBe(1);
    expect(res.data.myTasks.edges[0].node).toMatchObject({
      id: task.id,
      status: 'OPEN',
      signals: ['COMPLAINTS_RISING'],
      tier: 'MASS',
      dueOn: task.dueOn,
      signalsClearedAt: null,
      customer: { id: customer.id, customerNo: customer.customerNo, name: customer.name },
      assignee: { id: rm.id, name: rm.name },
      branch: { id: branch.id },
    });
  });

  it('opens one task for the branch when the nightly run raises a signal for a customer without a relationship manager', async () => {
    const { branch, asRm, asClerk } = await branchWithStaff();
    const customer = await complainingCustomer({ branchId: branch.id });

    const outcome = await reconcileSegments(app.ds, config);
    expect(outcome.episodesStarted).toBeGreaterThanOrEqual(1);
    const tasks = await tasksOf(customer.id);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ assigneeId: null, branchId: branch.id });
    await reconcileSegments(app.ds, config);
    expect(await tasksOf(customer.id)).toHaveLength(1);

    // Branch staff work the branch's tasks; the branch's manager does not see a customer outside their book.
    const asBranch = await app.gql(MY_TASKS, {}, { as: asClerk });
    expect(asBranch.data.myTasks.edges.map((e: any) => e.node.id)).toEqual([tasks[0].id]);
    expect(asBranch.data.myTasks.edges[0].node.assignee).toBeNull();
    expect((await app.gql(MY_TASKS, {}, { as: asRm })).data.myTasks.totalCount).toBe(0);
  });

  it('ends when a run raises no signal, keeps its task, and a later signal starts a new episode with a new task', async () => {
    const { branch, rm, asRm } = await branchWithStaff();
    const now = new Date();
    const customer = await complainingCustomer({ branchId: branch.id, relationshipManagerId: rm.id }, now);
    await incrementalRefresh([customer.id], now);
    const [first] = await tasksOf(customer.id);

    // 120 days on, the complaint is in the earlier window: nothing is rising any more.
    const later = new Date(now.getTime() + 120 * DAY);
    await incrementalRefresh([customer.id], later);
    const [ended] = await tasksOf(customer.id);
    expect(ended).toMatchObject({ id: first.id, status: 'OPEN', endedAt: later });
    const read = await app.gql(MY_TASKS, {}, { as: asRm });
    expect(read.data.myTasks.edges[0].node.signalsClearedAt).toBe(later.toISOString());

    // A run with nothing raised again changes nothing.
    await reconcileSegments(app.ds, config, new Date(later.getTime() + 1000));
    expect(await tasksOf(customer.id)).toHaveLength(1);

    // Two complaints in the new window against one before it: rising again, a new episode.
    const again = new Date(later.getTime() + 5 * DAY);
    for (const days of [1, 2]) {
      await make.interaction(customer.id, {
        type: InteractionType.COMPLAINT,
        occurredAt: new Date(again.getTime() - days * DAY),
      });
    }
    await incrementalRefresh([customer.id], again);
    const tasks = await tasksOf(customer.id);
    expect(tasks).toHaveLength(2);
    expect(tasks[1].id).not.toBe(first.id);
    expect(tasks[1]).toMatchObject({ assigneeId: rm.id, endedAt: null, startedAt: again, status: 'OPEN' });
  });

  it('adds a signal raised later in the episode to it, without opening another task', async () => {
    const { branch, rm } = await branchWithStaff();
    const customer = await complainingCustomer({ branchId: branch.id, relationshipManagerId: rm.id });
    await incrementalRefresh([customer.id]);
    // Logins in the earlier window and none since: LOGIN_DECLINE joins COMPLAINTS_RISING.
    for (const days of [100, 110, 120]) {
      await make.interaction(customer.id, {
        type: InteractionType.LOGIN,
        occurredAt: new Date(Date.now() - days * DAY),
      });
    }
    await incrementalRefresh([customer.id]);
    const tasks = await tasksOf(customer.id);
    expect(tasks).toHaveLength(1);
    expect(tasks[0].signals).toEqual(['COMPLAINTS_RISING', 'LOGIN_DECLINE']);
  });

  it('opens exactly one task when two refreshes of the customer run at once', async () => {
    const { branch, rm } = await branchWithStaff();
    const customer = await complainingCustomer({ branchId: branch.id, relationshipManagerId: rm.id });
    const now = new Date();

    // The first refresh has written the episode and its task but not committed; the second starts meanwhile.
    const first = app.ds.createQueryRunner();
    await first.connect();
    await first.startTransaction();
    let second: Promise<unknown> | undefined;
    try {
      await refreshSegments(first.manager, config, now, [customer.id]);
      second = app.ds.transaction((em) => refreshSegments(em, config, now, [customer.id]));
      await untilWaitingForLocks(1);
      await first.commitTransaction();
    } finally {
      await first.release();
    }
    await second;
    expect(await tasksOf(customer.id)).toHaveLength(1);

    // And many at once, from scratch for another customer.
    const other = await complainingCustomer({ branchId: branch.id, relationshipManagerId: rm.id });
    await Promise.all(
      Array.from({ length: 4 }, () => app.ds.transaction((em) => refreshSegments(em, config, now, [other.id]))),
    );
    expect(await tasksOf(other.id)).toHaveLength(1);
  });
});

/** Resolves once `count` backends of this database wait for a lock. */
async function untilWaitingForLocks(count: number): Promise<void> {
  for (;;) {
    const [{ waiting }] = await app.ds.query(
      `SELECT count(*)::int AS waiting FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if (waiting >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('myTasks', () => {
  it('pages through the caller’s own tasks by due date, filtered by status, and shows them to no one else', async () => {
    const { branch, rm, asRm, asClerk } = await branchWithStaff();
    const customers = [];
    for (let i = 0; i < 3; i++) {
      customers.push(await complainingCustomer({ branchId: branch.id, relationshipManagerId: rm.id }));
    }
    // Opened on three different days: three different due dates.
    for (const [i, c] of customers.entries()) await incrementalRefresh([c.id], new Date(Date.now() - i * DAY));
    const ids = (await Promise.all(customers.map((c) => tasksOf(c.id)))).map(([t]) => t);
    const byDue = [...ids].sort((a, b) => a.dueOn.localeCompare(b.dueOn)).map((t) => t.id);

    const page1 = await app.gql(MY_TASKS, { first: 2 }, { as: asRm });
    expect(page1.errors).toBeUndefined();
    expect(page1.data.myTasks.totalCount).toBe(3);
    expect(page1.data.myTasks.pageInfo.hasNextPage).toBe(true);
    const page2 = await app.gql(MY_TASKS, { first: 2, after: page1.data.myTasks.pageInfo.endCursor }, { as: asRm });
    expect(page2.data.myTasks.pageInfo.hasNextPage).toBe(false);
    expect([...page1.data.myTasks.edges, ...page2.data.myTasks.edges].map((e: any) => e.node.id)).toEqual(byDue);

    const done = await app.gql(COMPLETE, { id: byDue[0], outcome: 'RETAINED', reason: 'PRICE' }, { as: asRm });
    expect(done.errors).toBeUndefined();
    const open = await app.gql(MY_TASKS, { status: 'OPEN' }, { as: asRm });
    expect(open.data.myTasks.edges.map((e: any) => e.node.id)).toEqual(byDue.slice(1));
    const completed = await app.gql(MY_TASKS, { status: 'COMPLETED' }, { as: asRm });
    expect(completed.data.myTasks.edges.map((e: any) => e.node.id)).toEqual(byDue.slice(0, 1));

    // Another manager of the same branch, and the branch's clerk (a manager's task is not the branch's).
    const colleague = await make.staff({ branchId: branch.id });
    const asColleague = { sub: colleague.id, roles: [Role.RELATIONSHIP_MANAGER], branchId: branch.id };
    expect((await app.gql(MY_TASKS, {}, { as: asColleague })).data.myTasks.totalCount).toBe(0);
    expect((await app.gql(MY_TASKS, {}, { as: asClerk })).data.myTasks.totalCount).toBe(0);
  });

  it('refuses a bad cursor and a page over 100 as BAD_USER_INPUT, and callers other than managers and branch staff', async () => {
    const { asRm } = await branchWithStaff();
    const bad = await app.gql(MY_TASKS, { after: 'nonsense' }, { as: asRm });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const big = await app.gql(MY_TASKS, { first: 101 }, { as: asRm });
    expect(big.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    for (const role of [Role.CALL_CENTER_AGENT, Role.MARKETING_ANALYST, Role.COMPLIANCE_AUDITOR]) {
      const res = await app.gql(MY_TASKS, {}, { as: { sub: asRm.sub, roles: [role] } });
      expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
    }
  });

  it('reads a page’s customers, managers and branches in a number of statements that does not grow with the page', async () => {
    const { branch, rm, asRm } = await branchWithStaff();
    const statementsFor = async () => {
      const counter = countStatements();
      try {
        const res = await app.gql(MY_TASKS, { first: 50 }, { as: asRm });
        expect(res.errors).toBeUndefined();
        return { count: withoutTransactionControl(counter.statements).length, tasks: res.data.myTasks.edges.length };
      } finally {
        counter.restore();
      }
    };
    const first = await complainingCustomer({ branchId: branch.id, relationshipManagerId: rm.id });
    await incrementalRefresh([first.id]);
    await statementsFor(); // warms the process-wide caches of branches and staff names
    const one = await statementsFor();
    const more = [];
    for (let i = 0; i < 5; i++)
      more.push(await complainingCustomer({ branchId: branch.id, relationshipManagerId: rm.id }));
    await incrementalRefresh(more.map((c) => c.id));
    const six = await statementsFor();
    expect([one.tasks, six.tasks]).toEqual([1, 6]);
    expect(six.count).toBe(one.count);
  });
});

describe('completeTask', () => {
  it('records the outcome once, with an audit record that holds no note, and answers CONFLICT the second time', async () => {
    const { branch, rm, asRm } = await branchWithStaff();
    const customer = await complainingCustomer({ branchId: branch.id, relationshipManagerId: rm.id });
    await incrementalRefresh([customer.id]);
    const [task] = await tasksOf(customer.id);
    const note = '客户因理财收益下降考虑转行，已推荐新产品，电话 13800001111';

    const done = await app.gql(COMPLETE, { id: task.id, outcome: 'RETAINED', reason: 'PRICE', note }, { as: asRm });
    expect(done.errors).toBeUndefined();
    expect(done.data.completeTask).toMatchObject({
      id: task.id,
      status: 'COMPLETED',
      outcome: 'RETAINED',
      reason: 'PRICE',
      note,
      completedBy: rm.id,
    });
    const audit = await app.ds.query(
      `SELECT actor_id, operation, detail FROM audit_record WHERE customer_id = $1 AND operation = 'completeTask'`,
      [customer.id],
    );
    expect(audit).toEqual([
      {
        actor_id: rm.id,
        operation: 'completeTask',
        detail: { taskId: task.id, outcome: 'RETAINED', reason: 'PRICE', noted: true },
      },
    ]);

    const again = await app.gql(COMPLETE, { id: task.id, outcome: 'LOST', reason: 'OTHER' }, { as: asRm });
    expect(again.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', status: 'COMPLETED' });
    expect((await tasksOf(customer.id))[0].status).toBe('COMPLETED');
    const [{ outcome }] = await app.ds.query(`SELECT outcome FROM retention_task WHERE id = $1`, [task.id]);
    expect(outcome).toBe('RETAINED');
  });

  it("answers NOT_FOUND for another's task, as for a missing one, and lets branch staff complete the branch's", async () => {
    const { branch, rm, asRm, asClerk } = await branchWithStaff();
    const owned = await complainingCustomer({ branchId: branch.id, relationshipManagerId: rm.id });
    const unowned = await complainingCustomer({ branchId: branch.id });
    await incrementalRefresh([owned.id, unowned.id]);
    const [ownedTask] = await tasksOf(owned.id);
    const [branchTask] = await tasksOf(unowned.id);
    const colleague = await make.staff({ branchId: branch.id });
    const asColleague = { sub: colleague.id, roles: [Role.RELATIONSHIP_MANAGER], branchId: branch.id };
    const other = await make.branch();
    const asOtherClerk = {
      sub: (await make.staff({ branchId: other.id })).id,
      roles: [Role.BRANCH_STAFF],
      branchId: other.id,
    };

    const tries = [
      [ownedTask.id, asColleague],
      [ownedTask.id, asClerk],
      [branchTask.id, asRm],
      [branchTask.id, asOtherClerk],
      ['6f1c2a4e-0000-4000-8000-000000000000', asRm],
    ] as const;
    for (const [id, as] of tries) {
      const res = await app.gql(COMPLETE, { id, outcome: 'LOST', reason: 'COMPETITOR' }, { as });
      expect(res.errors?.[0].extensions.code).toBe('NOT_FOUND');
      expect(res.errors?.[0].message).toBe('No such task');
    }
    expect((await tasksOf(owned.id))[0].status).toBe('OPEN');

    const byClerk = await app.gql(
      COMPLETE,
      { id: branchTask.id, outcome: 'UNREACHABLE', reason: 'OTHER' },
      { as: asClerk },
    );
    expect(byClerk.errors).toBeUndefined();
    expect(byClerk.data.completeTask).toMatchObject({ status: 'COMPLETED', completedBy: asClerk.sub, note: null });
  });

  it('refuses a malformed id, an unknown outcome and a note over 1000 characters as BAD_USER_INPUT, writing nothing', async () => {
    const { branch, rm, asRm } = await branchWithStaff();
    const customer = await complainingCustomer({ branchId: branch.id, relationshipManagerId: rm.id });
    await incrementalRefresh([customer.id]);
    const [task] = await tasksOf(customer.id);

    const malformed = await app.gql(COMPLETE, { id: 'x', outcome: 'LOST', reason: 'OTHER' }, { as: asRm });
    expect(malformed.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    const unknown = await app.gql(COMPLETE, { id: task.id, outcome: 'MAYBE', reason: 'OTHER' }, { as: asRm });
    expect(unknown.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    const long = await app.gql(
      COMPLETE,
      { id: task.id, outcome: 'LOST', reason: 'OTHER', note: '长'.repeat(1001) },
      { as: asRm },
    );
    expect(long.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'note' });
    expect((await tasksOf(customer.id))[0].status).toBe('OPEN');
    const [{ n }] = await app.ds.query(
      `SELECT count(*)::int AS n FROM audit_record WHERE customer_id = $1 AND operation = 'completeTask'`,
      [customer.id],
    );
    expect(n).toBe(0);

    const exactly = await app.gql(
      COMPLETE,
      { id: task.id, outcome: 'LOST', reason: 'OTHER', note: '长'.repeat(1000) },
      { as: asRm },
    );
    expect(exactly.errors).toBeUndefined();
  });

  it('is FORBIDDEN to roles that work on no tasks', async () => {
    const { branch, rm } = await branchWithStaff();
    const customer = await complainingCustomer({ branchId: branch.id, relationshipManagerId: rm.id });
    await incrementalRefresh([customer.id]);
    const [task] = await tasksOf(customer.id);
    for (const role of [Role.CALL_CENTER_AGENT, Role.MARKETING_MANAGER, Role.RISK_OFFICER]) {
      const res = await app.gql(
        COMPLETE,
        { id: task.id, outcome: 'LOST', reason: 'OTHER' },
        { as: { sub: rm.id, roles: [role] } },
      );
      expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
    }
    expect((await tasksOf(customer.id))[0].status).toBe('OPEN');
  });
});

describe('churnReport', () => {
  const REPORT = `query ($from: Date!, $to: Date!) {
    churnReport(from: $from, to: $to) {
      from to episodes episodesEnded openTasks completedTasks
      byTier { tier count } bySignal { signal count } byOutcome { outcome count } byReason { reason count }
    }
  }`;

  it('counts the period’s episodes by tier and signal and their tasks by outcome and reason, in the caller’s row scope', async () => {
    const { branch, rm, asRm } = await branchWithStaff();
    // A day of its own, far from the other tests' runs: only this test's episodes start on it.
    const at = new Date('2031-03-10T04:00:00Z');
    const day = businessToday(config.businessTimeZone, at);
    const mass = await complainingCustomer({ branchId: branch.id, relationshipManagerId: rm.id }, at);
    const wealthy = await complainingCustomer({ branchId: branch.id, relationshipManagerId: rm.id }, at);
    const fund = await make.product({ type: ProductType.FUND });
    await make.holding(wealthy.id, { productId: fund.id, balance: '800000.00' });
    const optedOut = await complainingCustomer({ branchId: branch.id, relationshipManagerId: rm.id }, at);
    await make.consent(optedOut.id, { purpose: ConsentPurpose.PERSONALISED_MARKETING, channel: null, granted: false });
    await incrementalRefresh([mass.id, wealthy.id, optedOut.id], at);
    const [massTask] = await tasksOf(mass.id);
    const [optedOutTask] = await tasksOf(optedOut.id);
    for (const [id, outcome, reason] of [
      [massTask.id, 'LOST', 'COMPETITOR'],
      [optedOutTask.id, 'RETAINED', 'PRICE'],
    ]) {
      expect((await app.gql(COMPLETE, { id, outcome, reason }, { as: asRm })).errors).toBeUndefined();
    }

    const analyst = { sub: rm.id, roles: [Role.MARKETING_ANALYST] };
    const risk = { sub: rm.id, roles: [Role.RISK_OFFICER] };
    const forRisk = await app.gql(REPORT, { from: day, to: day }, { as: risk });
    expect(forRisk.errors).toBeUndefined();
    expect(forRisk.data.churnReport).toEqual({
      from: day,
      to: day,
      episodes: 3,
      episodesEnded: 0,
      openTasks: 1,
      completedTasks: 2,
      byTier: [
        { tier: 'MASS', count: 2 },
        { tier: 'WEALTH', count: 1 },
      ],
      bySignal: [{ signal: 'COMPLAINTS_RISING', count: 3 }],
      byOutcome: [
        { outcome: 'LOST', count: 1 },
        { outcome: 'RETAINED', count: 1 },
      ],
      byReason: [
        { reason: 'COMPETITOR', count: 1 },
        { reason: 'PRICE', count: 1 },
      ],
    });

    // To a marketing role the customer who withdrew personalised marketing does not exist, in counts either.
    const forMarketing = await app.gql(REPORT, { from: day, to: day }, { as: analyst });
    // (A marketing caller is given every outcome and reason, those that did not occur withheld: 0 is fewer
    // than K; and with them the one that did, or completedTasks minus it would say they are all 0.)
    const { byOutcome, byReason, ...totals } = forMarketing.data.churnReport;
    expect(totals).toMatchObject({ episodes: 2, completedTasks: 1 });
    expect(byOutcome).toEqual([
      { outcome: 'RETAINED', count: null },
      { outcome: 'LOST', count: null },
      { outcome: 'UNREACHABLE', count: null },
    ]);
    expect(byReason.map((r: { count: number | null }) => r.count)).toEqual(byReason.map(() => null));
    const auditor = await app.gql(REPORT, { from: day, to: day });
    expect(auditor.data.churnReport.episodes).toBe(3);

    // The day before and after hold none of them.
    const before = addDays(day, -1);
    expect((await app.gql(REPORT, { from: before, to: before }, { as: risk })).data.churnReport.episodes).toBe(0);
  });

  it('refuses from after to, and dates outside the input bounds, as BAD_USER_INPUT naming the field', async () => {
    const risk = { sub: (await make.staff()).id, roles: [Role.RISK_OFFICER] };
    const reversed = await app.gql(REPORT, { from: '2026-02-01', to: '2026-01-01' }, { as: risk });
    expect(reversed.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'from' });
    const early = await app.gql(REPORT, { from: '1899-12-31', to: '2026-01-01' }, { as: risk });
    expect(early.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    const inline = await app.gql(
      `{ churnReport(from: "2026-01-01", to: "2101-01-01") { episodes } }`,
      {},
      { as: risk },
    );
    expect(inline.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('is FORBIDDEN to service roles', async () => {
    const staff = await make.staff();
    for (const role of [Role.RELATIONSHIP_MANAGER, Role.BRANCH_STAFF, Role.CALL_CENTER_AGENT]) {
      const res = await app.gql(
        REPORT,
        { from: '2026-01-01', to: '2026-01-31' },
        { as: { sub: staff.id, roles: [role] } },
      );
      expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
    }
  });
});
