import { Client } from 'pg';
import { Role } from '../../src/auth/roles';
import { countStatements } from '../support/sql-counter';
import { useTestApp } from '../support/test-app';
import { staffId } from '../support/staff-ids';

const { app, make } = useTestApp();

const auditRows = (requestId: string) =>
  app.ds.query(
    `SELECT actor_id, actor_roles, customer_id, fields, operation, operation_name FROM audit_record WHERE request_id = $1 ORDER BY customer_id`,
    [requestId],
  );

describe('audit of reads', () => {
  it('writes one record per customer listing the sensitive fields read in full', async () => {
    const branch = await make.branch();
    const [a, b] = [await make.customer({ branchId: branch.id }), await make.customer({ branchId: branch.id })];
    await make.holding(a.id);
    const res = await app.gql(
      `query Page($b: [ID!]) { customers(filter: { branchIds: $b }) { edges { node { name phone aum holdings { edges { node { balance currency } } } } } } }`,
      { b: [branch.id] },
      { as: { sub: staffId('risk-1'), roles: [Role.RISK_OFFICER] } },
    );
    expect(res.errors).toBeUndefined();
    const rows = await auditRows(res.headers.get('x-request-id')!);
    expect(rows).toEqual(
      [
        { customer_id: a.id, fields: ['aum', 'balance'] },
        { customer_id: b.id, fields: ['aum'] },
      ]
        .sort((x, y) => x.customer_id.localeCompare(y.customer_id))
        .map((r) => ({
          ...r,
          actor_id: staffId('risk-1'),
          actor_roles: ['RISK_OFFICER'],
          operation: 'READ',
          operation_name: 'Page',
        })),
    );
  });

  it('writes no read record for masked or denied reads, or for fields not selected', async () => {
    const customer = await make.customer();
    const agent = await app.gql(
      `query ($id: ID!) { customer(id: $id) { name phone idNumber aum } }`,
      { id: customer.id },
      {
        as: { sub: staffId('agent'), roles: [Role.CALL_CENTER_AGENT] },
      },
    );
    // The denied aum leaves the request's one REFUSED record (see 'audit of refusals'), and no READ.
    expect(await auditRows(agent.headers.get('x-request-id')!)).toEqual([
      expect.objectContaining({ operation: 'REFUSED', customer_id: null, fields: [] }),
    ]);
    const auditor = await app.gql(`query ($id: ID!) { customer(id: $id) { customerNo tier } }`, { id: customer.id });
    expect(await auditRows(auditor.headers.get('x-request-id')!)).toEqual([]);
  });

  it('writes the records of concurrent requests together, each request’s own before its response', async () => {
    const customers = await Promise.all(Array.from({ length: 12 }, () => make.customer()));
    // Hold the first insert on a table lock, so the other requests' records
    // queue behind it whatever the timing of this machine.
    const lock = new Client({ connectionString: app.databaseUrl });
    await lock.connect();
    await lock.query('BEGIN; LOCK TABLE audit_record IN EXCLUSIVE MODE');
    const counter = countStatements();
    let responses;
    try {
      const pending = Promise.all(
        customers.map((c) => app.gql(`query One($id: ID!) { customer(id: $id) { phone } }`, { id: c.id })),
      );
      await waitFor(async () => {
        const { rows } = await lock.query(
          `SELECT count(*)::int AS waiting FROM pg_locks WHERE relation = 'audit_record'::regclass AND NOT granted`,
        );
        return rows[0].waiting > 0;
      });
      // Every other request has read its customer and waits for the next batch (the gauge on /metrics).
      await waitFor(async () => {
        const scrape = await (await fetch(app.url.replace('/graphql', '/metrics'))).text();
        return /^audit_read_requests_waiting 11$/m.test(scrape);
      }, 30_000);
      await lock.query('COMMIT');
      responses = await pending;
    } finally {
      counter.restore();
      await lock.end();
    }
    for (const [i, res] of responses.entries()) {
      expect(res.errors).toBeUndefined();
      // Each response left only after its record was committed.
      const rows = await auditRows(res.headers.get('x-request-id')!);
      expect(rows).toEqual([expect.objectContaining({ customer_id: customers[i].id, fields: ['phone'] })]);
    }
    const inserts = counter.statements.filter((sql) => sql.includes('INSERT INTO audit_record')).length;
    expect(inserts).toBe(2);
  });

  it('fails the request rather than serve a read it could not record', async () => {
    const customer = await make.customer();
    await app.ds.query(`ALTER TABLE audit_record ADD CONSTRAINT audit_refuses_all CHECK (false) NOT VALID`);
    try {
      const res = await app.gql(`query ($id: ID!) { customer(id: $id) { phone } }`, { id: customer.id });
      expect(res.status).toBe(503);
      expect(res.data).toBeUndefined();
      expect(res.errors).toEqual([
        {
          message: expect.any(String),
          extensions: { code: 'SERVICE_UNAVAILABLE', requestId: res.headers.get('x-request-id') },
        },
      ]);
      expect(JSON.stringify(res)).not.toContain(customer.phone);
    } finally {
      await app.ds.query(`ALTER TABLE audit_record DROP CONSTRAINT audit_refuses_all`);
    }
  });
});

describe('audit precision', () => {
  it('records only what was resolved: not other operations, skipped fields or other aliases’ customers', async () => {
    const branch = await make.branch();
    const [x, y] = [await make.customer({ branchId: branch.id }), await make.customer({ branchId: branch.id })];
    const mixed = await app.gql(
      `query ($b: [ID!], $x: ID!) { customers(filter: { branchIds: $b }) { edges { node { id } } } one: customer(id: $x) { phone } }`,
      { b: [branch.id], x: x.id },
    );
    expect((await auditRows(mixed.headers.get('x-request-id')!)).map((r: any) => [r.customer_id, r.fields])).toEqual([
      [x.id, ['phone']],
    ]);
    const skipped = await app.gql(`query ($y: ID!) { customer(id: $y) { id phone @skip(if: true) } }`, { y: y.id });
    expect(await auditRows(skipped.headers.get('x-request-id')!)).toEqual([]);
    const res = await fetch(app.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await app.token({ sub: staffId('a'), roles: ['COMPLIANCE_AUDITOR'] })}`,
      },
      body: JSON.stringify({
        query: `query A($y: ID!) { customer(id: $y) { id } } query B($y: ID!) { customer(id: $y) { phone } }`,
        operationName: 'A',
        variables: { y: y.id },
      }),
    });
    expect(await auditRows(res.headers.get('x-request-id')!)).toEqual([]);
  });
});

describe('auditLog', () => {
  it('lets an auditor list who read which customer’s phone number in a time window', async () => {
    const rm = await make.staff();
    const customer = await make.customer({ branchId: rm.branchId, relationshipManagerId: rm.id });
    const since = new Date(Date.now() - 1000).toISOString();
    await app.gql(
      `query Lookup($id: ID!) { customer(id: $id) { phone } }`,
      { id: customer.id },
      {
        as: { sub: rm.id, roles: [Role.RELATIONSHIP_MANAGER, Role.RISK_OFFICER] },
      },
    );
    const res = await app.gql(
      `query ($f: AuditLogFilter) { auditLog(filter: $f, first: 10) { totalCount edges { node { actorId actorRoles customerId fields operationName requestId } } } }`,
      { f: { customerId: customer.id, field: 'phone', from: since } },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.auditLog.totalCount).toBe(1);
    expect(res.data.auditLog.edges[0].node).toMatchObject({
      actorRoles: ['RELATIONSHIP_MANAGER', 'RISK_OFFICER'],
      customerId: customer.id,
      fields: ['phone'],
      operationName: 'Lookup',
    });
  });

  it('is for compliance auditors only', async () => {
    for (const role of [Role.RISK_OFFICER, Role.MARKETING_MANAGER, Role.PARTNER]) {
      const res = await app.gql(`{ auditLog { totalCount } }`, undefined, { as: { sub: staffId('x'), roles: [role] } });
      expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
    }
  });
});

describe('audit of a batched request', () => {
  const batched = useTestApp({ MAX_BATCH_OPERATIONS: '2' });

  it('records each operation’s reads once, under its own name', async () => {
    const [x, y] = [await batched.make.customer(), await batched.make.customer()];
    const token = await batched.app.token({ sub: staffId('batch-risk'), roles: [Role.RISK_OFFICER] });
    const one = (name: string, id: string) => ({
      query: `query ${name}($id: ID!) { customer(id: $id) { aum } }`,
      variables: { id },
    });
    const res = await fetch(batched.app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify([one('First', x.id), one('Second', y.id)]),
    });
    expect(res.status).toBe(200);
    const rows = await batched.app.ds.query(
      `SELECT customer_id, operation_name FROM audit_record WHERE request_id = $1 ORDER BY operation_name`,
      [res.headers.get('x-request-id')],
    );
    expect(rows).toEqual([
      { customer_id: x.id, operation_name: 'First' },
      { customer_id: y.id, operation_name: 'Second' },
    ]);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
