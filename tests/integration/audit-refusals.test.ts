import { Role } from '../../src/auth/roles';
import { useTestApp } from '../support/test-app';
import { staffId } from '../support/staff-ids';

const { app, make } = useTestApp();

const recordsOf = (requestId: string) =>
  app.ds.query(
    `SELECT actor_id, actor_roles, customer_id, fields, operation, operation_name, detail
     FROM audit_record WHERE request_id = $1 ORDER BY operation`,
    [requestId],
  );

describe('audit of refusals', () => {
  it('writes one record per request naming each field refused once, however many rows it was refused on', async () => {
    const branch = await make.branch();
    for (let i = 0; i < 2; i++) await make.holding((await make.customer({ branchId: branch.id })).id);
    const clerk = { sub: staffId('refused-clerk'), roles: [Role.BRANCH_STAFF], branchId: branch.id };
    const res = await app.gql(
      `query Refused($b: [ID!]) { customers(filter: { branchIds: $b }) { edges { node { customerNo aum holdings { edges { node { balance } } } } } } }`,
      { b: [branch.id] },
      { as: clerk },
    );
    const forbidden = (res.errors ?? []).filter((e) => e.extensions.code === 'FORBIDDEN');
    // Two customers, each with its aum and a holding's balance refused: four paths, two fields.
    expect(forbidden).toHaveLength(4);
    const refusedFields = ['Customer.aum', 'Holding.balance'];
    expect(await recordsOf(res.headers.get('x-request-id')!)).toEqual([
      {
        actor_id: clerk.sub,
        actor_roles: ['BRANCH_STAFF'],
        customer_id: null,
        fields: [],
        operation: 'REFUSED',
        operation_name: 'Refused',
        detail: { refusals: { fields: refusedFields, filters: [], operations: [] } },
      },
    ]);
  });

  it('records a refused filter and a refused root operation', async () => {
    const analyst = { sub: staffId('refused-analyst'), roles: [Role.MARKETING_ANALYST] };
    const filtered = await app.gql(`{ customers(filter: { aumMin: "1.00" }) { totalCount } }`, undefined, {
      as: analyst,
    });
    expect(filtered.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', field: 'filter.aumMin' });
    expect(await recordsOf(filtered.headers.get('x-request-id')!)).toEqual([
      expect.objectContaining({
        operation: 'REFUSED',
        detail: { refusals: { fields: [], filters: ['filter.aumMin'], operations: [] } },
      }),
    ]);

    const listed = await app.gql(`{ auditLog(first: 1) { totalCount } }`, undefined, { as: analyst });
    expect(listed.errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect(await recordsOf(listed.headers.get('x-request-id')!)).toEqual([
      expect.objectContaining({
        operation: 'REFUSED',
        detail: { refusals: { fields: [], filters: [], operations: ['Query.auditLog'] } },
      }),
    ]);
  });

  it('writes no refusal record for a request refused nothing, beside its reads', async () => {
    const customer = await make.customer();
    const res = await app.gql(`query ($id: ID!) { customer(id: $id) { phone } }`, { id: customer.id });
    expect(res.errors).toBeUndefined();
    expect((await recordsOf(res.headers.get('x-request-id')!)).map((r: { operation: string }) => r.operation)).toEqual([
      'READ',
    ]);
  });

  it('lets auditors read the refusals through auditLog', async () => {
    const agent = { sub: staffId('refused-agent'), roles: [Role.CALL_CENTER_AGENT] };
    const customer = await make.customer();
    await app.gql(`query ($id: ID!) { customer(id: $id) { aum } }`, { id: customer.id }, { as: agent });
    const res = await app.gql(
      `query ($a: String!) { auditLog(filter: { actorId: $a }, first: 5) { edges { node { operation customerId filter { matched } refusals { fields filters operations } } } } }`,
      { a: agent.sub },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.auditLog.edges.map((e: { node: unknown }) => e.node)).toEqual([
      {
        operation: 'REFUSED',
        customerId: null,
        filter: null,
        refusals: { fields: ['Customer.aum'], filters: [], operations: [] },
      },
    ]);
  });
});
