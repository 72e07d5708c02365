import { DataSource } from 'typeorm';
import { Role } from '../../src/auth/roles';
import { signToken } from '../../src/auth/token-issuer';
import { loadConfig } from '../../src/config';
import { createDataSource } from '../../src/db/data-source';
import { RunningApp, startApp } from '../../src/server/app';
import { Factory } from '../support/factories';
import { CUSTOMER_360_FIELDS } from '../support/queries';
import { createTestDatabase } from '../support/test-database';
import { startTestApp, TestApp } from '../support/test-app';
import { staffId } from '../support/staff-ids';

const SECRET = 'scale-out-test-secret-at-least-32-chars';

async function gql(url: string, query: string, variables: Record<string, unknown>, claims: object) {
  const token = await signToken(claims as never, SECRET, { expiresIn: '5m' });
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: any; errors?: any[] };
}

/** Copies rows from one database to another, changing some columns on the way. */
async function copyRow(from: DataSource, to: DataSource, table: string, id: string, changes: object = {}) {
  const [{ row }] = await from.query(`SELECT row_to_json(t) AS row FROM ${table} t WHERE id = $1`, [id]);
  await to.query(`INSERT INTO ${table} SELECT * FROM json_populate_record(null::${table}, $1)`, [
    { ...row, ...changes },
  ]);
}

describe('read replicas', () => {
  const dbs: { drop(): Promise<void> }[] = [];
  let primary: DataSource;
  let replica: DataSource;
  let app: RunningApp;
  let url: string;

  beforeAll(async () => {
    const [primaryDb, replicaDb] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    dbs.push(primaryDb, replicaDb);
    // K = 1: a manager reads the metrics of a campaign of one customer (small-cohort suppression would withhold them).
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      DATABASE_URL: primaryDb.url,
      JWT_SECRET: SECRET,
      K_ANONYMITY_MIN: '1',
    });
    primary = createDataSource(primaryDb.url, { poolSize: 3 });
    replica = createDataSource(replicaDb.url, { poolSize: 3 });
    await Promise.all([primary.initialize(), replica.initialize()]);
    app = await startApp(config, primary, replica);
    url = `http://127.0.0.1:${(app.httpServer.address() as { port: number }).port}/graphql`;
  });
  afterAll(async () => {
    await app.stop();
    await Promise.all([primary.destroy(), replica.destroy()]);
    await Promise.all(dbs.map((db) => db.drop()));
  });

  const auditor = { sub: staffId('replica-auditor'), roles: [Role.COMPLIANCE_AUDITOR] };
  let factory: Factory | undefined;
  const make = () => (factory ??= new Factory(primary));

  it('answers queries from the replica', async () => {
    const rm = await make().staff();
    const customer = await make().customer({ branchId: rm.branchId, relationshipManagerId: rm.id });
    // The replica has the same customer under another name (as if it lagged behind a rename), and nothing else new.
    await copyRow(primary, replica, 'branch', rm.branchId);
    await copyRow(primary, replica, 'staff', rm.id);
    await copyRow(primary, replica, 'customer', customer.id, { name: '副本' });
    const onlyOnPrimary = await make().customer({ branchId: customer.branchId });

    const one = await gql(url, `query ($id: ID!) { customer(id: $id) { name } }`, { id: customer.id }, auditor);
    expect(one.data.customer.name).toBe('副本');
    const missing = await gql(url, `query ($id: ID!) { customer(id: $id) { id } }`, { id: onlyOnPrimary.id }, auditor);
    expect(missing.data.customer).toBeNull();
    const page = await gql(url, `{ customers(first: 10) { edges { node { id } } } }`, {}, auditor);
    expect(page.data.customers.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([customer.id]);
  });

  it('writes to the primary and reads a mutation’s result from it (read-your-writes)', async () => {
    const maker = await make().staff();
    const campaign = await make().campaign({ createdBy: maker.id });
    await make().enrollment(campaign.id, (await make().customer()).id);
    // metrics is read through the request's loaders: from the primary here, where the enrolment is.
    const submitted = await gql(
      url,
      `mutation ($id: ID!) { submitCampaign(id: $id) { id status metrics { targeted } } }`,
      { id: campaign.id },
      { sub: maker.id, roles: [Role.MARKETING_MANAGER] },
    );
    expect(submitted.errors).toBeUndefined();
    expect(submitted.data.submitCampaign).toEqual({
      id: campaign.id,
      status: 'PENDING_APPROVAL',
      metrics: { targeted: 1 },
    });
    // A query after it still reads the replica, which never received the campaign.
    const later = await gql(url, `query ($id: ID!) { campaign(id: $id) { status } }`, { id: campaign.id }, auditor);
    expect(later.data.campaign).toBeNull();
  });
});

describe('two instances on one database and one Redis', () => {
  let first: TestApp;
  let second: TestApp;
  beforeAll(async () => {
    first = await startTestApp({ REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' });
    // The second instance serves the first one's database.
    second = await startTestApp(
      { REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' },
      {
        connectVia: async () => first.databaseUrl,
      },
    );
  });
  afterAll(() => Promise.all([first?.close(), second?.close()]));

  it('give the same answer, and each sees what the other wrote at once', async () => {
    const make = new Factory(first.ds);
    const rm = await make.staff();
    const customer = await make.customer({ branchId: rm.branchId, relationshipManagerId: rm.id });
    await make.holding(customer.id);
    const tag = await make.tag();
    const query = `query ($id: ID!) { customer(id: $id) { ${CUSTOMER_360_FIELDS} } }`;
    const [a, b] = await Promise.all([first.gql(query, { id: customer.id }), second.gql(query, { id: customer.id })]);
    expect(a.errors).toBeUndefined();
    expect(b.data).toEqual(a.data);

    const assigned = await first.gql(
      `mutation ($c: ID!, $t: String!) { assignTag(customerId: $c, tagCode: $t) { tag { code } } }`,
      { c: customer.id, t: tag.code },
      { as: { sub: rm.id, roles: [Role.RELATIONSHIP_MANAGER], branchId: rm.branchId } },
    );
    expect(assigned.errors).toBeUndefined();
    const seen = await second.gql(`query ($id: ID!) { customer(id: $id) { tags { tag { code } } } }`, {
      id: customer.id,
    });
    expect(seen.data.customer.tags).toEqual([{ tag: { code: tag.code } }]);
  });
});
