import { randomUUID } from 'node:crypto';
import { Role, Scope } from '../../src/auth/roles';
import { TokenClaims } from '../../src/auth/token-issuer';
import { countStatements, withoutTransactionControl } from '../support/sql-counter';
import { useTestApp } from '../support/test-app';

/**
 * Issue 20, item 1: audited reveal. A role that sees a field masked asks for
 * it in full, for a reason the policy's reveal cells allow; the value comes
 * once, with an audit record, within a daily quota per caller (branch staff
 * get 3 here, everyone else the default 20).
 */
const { app, make } = useTestApp({ REVEAL_DAILY_QUOTA_BY_ROLE: 'BRANCH_STAFF=3', RATE_LIMIT_STAFF: '100000' });

const REVEAL = `mutation ($t: RevealTarget!, $f: RevealableField!, $r: RevealReason!, $n: String!, $k: String) {
  revealField(target: $t, field: $f, reason: $r, note: $n, ticket: $k) {
    field value customerId holdingId auditRecordId remainingToday resetsAt } }`;
const REVEALS_OF = `query ($a: String!) { auditLog(filter: { actorId: $a, operation: "revealField" }, first: 50) {
  totalCount edges { node { id actorId customerId fields operation
    reveal { field holdingId reason note ticket outcome } } } } }`;

/** Written here with Shanghai's fixed offset (no summer time), not with the code under test. */
const nextShanghaiMidnight = (now: Date) => {
  const shanghaiDate = new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
  return new Date(Date.parse(`${shanghaiDate}T00:00:00+08:00`) + 86_400_000).toISOString();
};

let seq = 0;

/** A customer with known contact data and a holding, in a branch and a manager's book; callers of each role there. */
async function world() {
  const branch = await make.branch();
  const rm = await make.staff({ branchId: branch.id });
  const customer = await make.customer({
    branchId: branch.id,
    relationshipManagerId: rm.id,
    email: `nana${++seq}@example.com`,
    addressProvince: '广东省',
    addressCity: '深圳市',
    addressDistrict: '南山区',
    addressStreet: '科技园路1号',
  });
  const holding = await make.holding(customer.id);
  const as = async (role: Role, branchId = branch.id): Promise<TokenClaims> => ({
    sub: (await make.staff({ branchId })).id,
    roles: [role],
    branchId,
  });
  return { branch, rm, customer, holding, as };
}

const reveal = (
  as: TokenClaims,
  target: Record<string, string>,
  field: string,
  reason = 'CUSTOMER_REQUEST',
  note = '客户来电要求核对预留手机号',
  ticket: string | null = 'CS-2026-0001',
) => app.gql(REVEAL, { t: target, f: field, r: reason, n: note, k: ticket }, { as });

const revealsOf = async (actorId: string) =>
  (await app.gql(REVEALS_OF, { a: actorId })).data.auditLog.edges.map((e: any) => e.node);

describe('a granted reveal', () => {
  it('returns the full value once and writes an audit record with the reason, note and ticket', async () => {
    const w = await world();
    const agent = await w.as(Role.CALL_CENTER_AGENT);
    const res = await reveal(agent, { customerId: w.customer.id }, 'PHONE');
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(res.data.revealField).toMatchObject({
      field: 'PHONE',
      value: w.customer.phone,
      customerId: w.customer.id,
      holdingId: null,
      remainingToday: 19,
      resetsAt: nextShanghaiMidnight(new Date()),
    });
    expect(await revealsOf(agent.sub)).toEqual([
      {
        id: res.data.revealField.auditRecordId,
        actorId: agent.sub,
        customerId: w.customer.id,
        fields: ['phone'],
        operation: 'revealField',
        reveal: {
          field: 'PHONE',
          holdingId: null,
          reason: 'CUSTOMER_REQUEST',
          note: '客户来电要求核对预留手机号',
          ticket: 'CS-2026-0001',
          outcome: 'REVEALED',
        },
      },
    ]);
  });

  it('leaves the masked read masked afterwards', async () => {
    const w = await world();
    const agent = await w.as(Role.CALL_CENTER_AGENT);
    expect((await reveal(agent, { customerId: w.customer.id }, 'ADDRESS')).data.revealField.value).toBe(
      '广东省深圳市南山区科技园路1号',
    );
    const read = await app.gql(
      `query ($id: ID!) { customer(id: $id) { phone address } }`,
      { id: w.customer.id },
      {
        as: agent,
      },
    );
    const phone = w.customer.phone;
    expect(read.data.customer).toEqual({
      phone: `${phone.slice(0, 3)}****${phone.slice(-4)}`,
      address: '广东省深圳市南山区****',
    });
  });

  it("reveals a holding's account number to a risk officer for a fraud check, and to no other reason", async () => {
    const w = await world();
    const risk = await w.as(Role.RISK_OFFICER);
    const granted = await reveal(risk, { holdingId: w.holding.id }, 'ACCOUNT_NO', 'FRAUD_CHECK', '疑似盗刷核查', null);
    expect(granted.errors).toBeUndefined();
    expect(granted.data.revealField).toMatchObject({
      value: w.holding.accountNo,
      customerId: w.customer.id,
      holdingId: w.holding.id,
    });
    const refused = await reveal(risk, { holdingId: w.holding.id }, 'ACCOUNT_NO', 'CUSTOMER_REQUEST');
    expect(refused.data.revealField).toBeNull();
    expect(refused.errors?.map((e) => [e.extensions.code, e.path])).toEqual([['FORBIDDEN', ['revealField']]]);
    expect(
      (await revealsOf(risk.sub)).map((r: any) => [r.reveal.reason, r.reveal.outcome, r.reveal.holdingId]),
    ).toEqual([
      ['CUSTOMER_REQUEST', 'FORBIDDEN', w.holding.id],
      ['FRAUD_CHECK', 'REVEALED', w.holding.id],
    ]);
  });
});

describe('statements', () => {
  it('are a fixed few per reveal: the target, the quota slot and the audit record, in one transaction', async () => {
    const w = await world();
    const agent = await w.as(Role.CALL_CENTER_AGENT);
    // Once first, so that the staff-directory check of writes is cached like on a warm server.
    await reveal(agent, { customerId: w.customer.id }, 'PHONE');
    for (const [target, field, lookups] of [
      [{ customerId: w.customer.id }, 'EMAIL', 1],
      [{ holdingId: w.holding.id }, 'ACCOUNT_NO', 2],
    ] as const) {
      const counter = countStatements();
      let statements: string[];
      try {
        expect((await reveal(agent, target, field)).errors).toBeUndefined();
        statements = counter.statements;
      } finally {
        counter.restore();
      }
      const work = withoutTransactionControl(statements).filter((sql) => !/FROM "?staff"?/.test(sql));
      expect(work).toHaveLength(lookups + 2);
      expect(work.filter((sql) => sql.includes('reveal_quota'))).toHaveLength(1);
      expect(work.filter((sql) => sql.includes('INSERT INTO audit_record'))).toHaveLength(1);
      expect(statements.filter((sql) => /^\s*(BEGIN|START TRANSACTION)/i.test(sql))).toHaveLength(1);
    }
  });
});

describe('the daily quota', () => {
  it('answers QUOTA_EXCEEDED at the field with the next Shanghai midnight, HTTP 200, and records the refusal', async () => {
    const w = await world();
    const clerk = await w.as(Role.BRANCH_STAFF);
    const remaining = [];
    for (const field of ['PHONE', 'EMAIL', 'ID_NUMBER']) {
      const res = await reveal(clerk, { customerId: w.customer.id }, field);
      expect(res.errors).toBeUndefined();
      remaining.push(res.data.revealField.remainingToday);
    }
    expect(remaining).toEqual([2, 1, 0]);
    const over = await reveal(clerk, { customerId: w.customer.id }, 'PHONE');
    expect(over.status).toBe(200);
    expect(over.data).toEqual({ revealField: null });
    expect(over.errors).toHaveLength(1);
    expect(over.errors![0].path).toEqual(['revealField']);
    expect(over.errors![0].extensions).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      quota: 3,
      resetsAt: nextShanghaiMidnight(new Date()),
    });
    const outcomes = (await revealsOf(clerk.sub)).map((r: any) => r.reveal.outcome);
    expect(outcomes).toEqual(['QUOTA_EXCEEDED', 'REVEALED', 'REVEALED', 'REVEALED']);
  });

  it('lets only one of several simultaneous reveals take the last slot', async () => {
    const w = await world();
    const clerk = await w.as(Role.BRANCH_STAFF);
    for (const field of ['PHONE', 'EMAIL']) {
      expect((await reveal(clerk, { customerId: w.customer.id }, field)).errors).toBeUndefined();
    }
    const answers = await Promise.all(
      ['PHONE', 'EMAIL', 'ADDRESS', 'ID_NUMBER'].map((field) => reveal(clerk, { customerId: w.customer.id }, field)),
    );
    const codes = answers.map((a) => a.errors?.[0].extensions.code ?? 'REVEALED').sort();
    expect(codes).toEqual(['QUOTA_EXCEEDED', 'QUOTA_EXCEEDED', 'QUOTA_EXCEEDED', 'REVEALED']);
    const [{ used }] = await app.ds.query(`SELECT used FROM reveal_quota WHERE actor_id = $1`, [clerk.sub]);
    expect(used).toBe(3);
    const outcomes = (await revealsOf(clerk.sub)).map((r: any) => r.reveal.outcome);
    expect(outcomes.filter((o: string) => o === 'REVEALED')).toHaveLength(3);
    expect(outcomes.filter((o: string) => o === 'QUOTA_EXCEEDED')).toHaveLength(3);
  });

  it('counts the same person once whatever the case of the token subject', async () => {
    const w = await world();
    const clerk = await w.as(Role.BRANCH_STAFF);
    const shouting = { ...clerk, sub: clerk.sub.toUpperCase() };
    for (const as of [clerk, shouting, clerk]) {
      expect((await reveal(as, { customerId: w.customer.id }, 'PHONE')).errors).toBeUndefined();
    }
    expect((await reveal(shouting, { customerId: w.customer.id }, 'PHONE')).errors?.[0].extensions.code).toBe(
      'QUOTA_EXCEEDED',
    );
  });

  it("shows today's reveals per caller at /metrics", async () => {
    const w = await world();
    const agent = await w.as(Role.CALL_CENTER_AGENT);
    for (const field of ['PHONE', 'EMAIL']) await reveal(agent, { customerId: w.customer.id }, field);
    const text = await (await fetch(app.url.replace('/graphql', '/metrics'))).text();
    expect(text).toContain(`privacy_reveals_today_by_caller{caller="${agent.sub}"} 2`);
    expect(text).toMatch(/^privacy_reveal_callers_today [1-9]\d*$/m);
  });
});

describe('a refused reveal', () => {
  it('is NOT_FOUND for a customer or holding outside the caller’s scope, as for a missing one, with a record of the probe', async () => {
    const w = await world();
    const elsewhere = await w.as(Role.BRANCH_STAFF, (await make.branch()).id);
    const missingCustomer = randomUUID();
    const missingHolding = randomUUID();
    const answers = [
      await reveal(elsewhere, { customerId: w.customer.id }, 'PHONE'),
      await reveal(elsewhere, { customerId: missingCustomer }, 'PHONE'),
      await reveal(elsewhere, { holdingId: w.holding.id }, 'ACCOUNT_NO'),
      await reveal(elsewhere, { holdingId: missingHolding }, 'ACCOUNT_NO'),
    ];
    for (const a of answers) {
      expect(a.data).toEqual({ revealField: null });
      const { requestId: _requestId, ...extensions } = a.errors![0].extensions;
      expect([a.errors![0].message, extensions]).toEqual(['No such customer or holding', { code: 'NOT_FOUND' }]);
    }
    // The caller learns nothing; auditors see each id asked for (newest first).
    const records = (await revealsOf(elsewhere.sub)).map((r: any) => [
      r.customerId,
      r.reveal.holdingId,
      r.reveal.outcome,
    ]);
    expect(records).toEqual([
      [null, missingHolding, 'NOT_FOUND'],
      [null, w.holding.id, 'NOT_FOUND'],
      [missingCustomer, null, 'NOT_FOUND'],
      [w.customer.id, null, 'NOT_FOUND'],
    ]);
  });

  it('is FORBIDDEN with a refusal record for a field the role may not reveal', async () => {
    const w = await world();
    // The call centre identifies callers by asking for their ID number, never by reading it out.
    const agent = await w.as(Role.CALL_CENTER_AGENT);
    const res = await reveal(agent, { customerId: w.customer.id }, 'ID_NUMBER');
    expect(res.data).toEqual({ revealField: null });
    expect(res.errors?.map((e) => e.extensions.code)).toEqual(['FORBIDDEN']);
    expect(await revealsOf(agent.sub)).toEqual([
      expect.objectContaining({
        customerId: w.customer.id,
        fields: ['idNumber'],
        reveal: expect.objectContaining({ field: 'ID_NUMBER', outcome: 'FORBIDDEN' }),
      }),
    ]);
    // A refusal takes no slot.
    expect(await app.ds.query(`SELECT used FROM reveal_quota WHERE actor_id = $1`, [agent.sub])).toEqual([]);
  });

  it('is FORBIDDEN to marketing (denied cells) with a refusal record, and to partners at the root', async () => {
    const w = await world();
    for (const role of [Role.MARKETING_ANALYST, Role.MARKETING_MANAGER]) {
      const marketing = await w.as(role);
      for (const field of ['PHONE', 'ID_NUMBER', 'EMAIL', 'ADDRESS']) {
        const res = await reveal(marketing, { customerId: w.customer.id }, field);
        expect([res.data?.revealField, res.errors?.map((e) => e.extensions.code)]).toEqual([null, ['FORBIDDEN']]);
      }
      const account = await reveal(marketing, { holdingId: w.holding.id }, 'ACCOUNT_NO');
      expect(account.errors?.map((e) => e.extensions.code)).toEqual(['FORBIDDEN']);
      const records = await revealsOf(marketing.sub);
      expect(records.map((r: any) => r.reveal.outcome)).toEqual(Array(5).fill('FORBIDDEN'));
    }
    const partner = { sub: 'partner-reveal', roles: [Role.PARTNER], scopes: Object.values(Scope) };
    const res = await reveal(partner, { customerId: w.customer.id }, 'PHONE');
    expect(res.errors?.map((e) => e.extensions.code)).toEqual(['FORBIDDEN']);
  });

  it('is FORBIDDEN to a caller who already reads the field in full: there is nothing to reveal', async () => {
    const w = await world();
    const auditor = await w.as(Role.COMPLIANCE_AUDITOR);
    const manager = { sub: w.rm.id, roles: [Role.RELATIONSHIP_MANAGER], branchId: w.branch.id };
    expect((await reveal(auditor, { customerId: w.customer.id }, 'PHONE')).errors?.[0].extensions.code).toBe(
      'FORBIDDEN',
    );
    expect((await reveal(manager, { customerId: w.customer.id }, 'PHONE')).errors?.[0].extensions.code).toBe(
      'FORBIDDEN',
    );
    // Their masked account numbers they may reveal, on the customer's request.
    const account = await reveal(manager, { holdingId: w.holding.id }, 'ACCOUNT_NO');
    expect(account.data.revealField.value).toBe(w.holding.accountNo);
  });
});

describe('bad input', () => {
  it('is BAD_USER_INPUT naming the argument, before anything is read or recorded', async () => {
    const w = await world();
    const agent = await w.as(Role.CALL_CENTER_AGENT);
    const c = { customerId: w.customer.id };
    const cases: [Promise<any>, string][] = [
      [reveal(agent, c, 'PHONE', 'CUSTOMER_REQUEST', '很'.repeat(501)), 'note'],
      [reveal(agent, c, 'PHONE', 'CUSTOMER_REQUEST', '   '), 'note'],
      [reveal(agent, c, 'ACCOUNT_NO'), 'field'],
      [reveal(agent, { holdingId: w.holding.id }, 'PHONE'), 'field'],
      [reveal(agent, { customerId: w.customer.id, holdingId: w.holding.id }, 'PHONE'), 'target'],
      [reveal(agent, {}, 'PHONE'), 'target'],
      [reveal(agent, { customerId: 'not-an-id' }, 'PHONE'), 'target.customerId'],
      [reveal(agent, c, 'PHONE', 'CUSTOMER_REQUEST', '核对', 'x'.repeat(65)), 'ticket'],
      [reveal(agent, c, 'PHONE', 'CUSTOMER_REQUEST', '核对', "'; DROP TABLE x"), 'ticket'],
    ];
    for (const [answer, field] of cases) {
      const res = await answer;
      expect([res.errors?.[0].extensions.code, res.errors?.[0].extensions.field]).toEqual(['BAD_USER_INPUT', field]);
    }
    const unknownReason = await app.gql(REVEAL, { t: c, f: 'PHONE', r: 'CURIOSITY', n: '看看' }, { as: agent });
    expect(unknownReason.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(await revealsOf(agent.sub)).toEqual([]);
    // A note of exactly the limit is fine.
    expect((await reveal(agent, c, 'PHONE', 'CUSTOMER_REQUEST', '很'.repeat(500))).errors).toBeUndefined();
  });
});

describe('auditors', () => {
  it('list reveals by caller, field and reason, a page at a time', async () => {
    const w = await world();
    const risk = await w.as(Role.RISK_OFFICER);
    await reveal(risk, { customerId: w.customer.id }, 'PHONE', 'FRAUD_CHECK', '账户异常登录');
    await reveal(risk, { customerId: w.customer.id }, 'EMAIL', 'FRAUD_CHECK', '账户异常登录');
    await reveal(risk, { holdingId: w.holding.id }, 'ACCOUNT_NO', 'FRAUD_CHECK', '账户异常登录');
    await reveal(risk, { customerId: w.customer.id }, 'PHONE', 'COMPLAINT', '投诉处理');
    const list = `query ($a: String, $f: String, $r: RevealReason, $after: String) {
      auditLog(filter: { actorId: $a, field: $f, revealReason: $r }, first: 1, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { fields reveal { reason outcome } } } } }`;
    const byReason = await app.gql(list, { a: risk.sub, r: 'FRAUD_CHECK' });
    expect(byReason.data.auditLog.totalCount).toBe(3);
    expect(byReason.data.auditLog.pageInfo.hasNextPage).toBe(true);
    const next = await app.gql(list, {
      a: risk.sub,
      r: 'FRAUD_CHECK',
      after: byReason.data.auditLog.pageInfo.endCursor,
    });
    expect(next.errors).toBeUndefined();
    expect(next.data.auditLog.edges[0].node.fields).toEqual(['email']);
    const phones = await app.gql(list, { a: risk.sub, f: 'phone' });
    expect(phones.data.auditLog.totalCount).toBe(2);
    const phoneForFraud = await app.gql(list, { a: risk.sub, f: 'phone', r: 'FRAUD_CHECK' });
    expect(phoneForFraud.data.auditLog.edges.map((e: any) => e.node.reveal)).toEqual([
      { reason: 'FRAUD_CHECK', outcome: 'REVEALED' },
    ]);
    // The complaint was not a reason the risk officer's cells allow.
    const complaint = await app.gql(list, { a: risk.sub, r: 'COMPLAINT' });
    expect(complaint.data.auditLog.edges.map((e: any) => e.node.reveal.outcome)).toEqual(['FORBIDDEN']);
  });
});
