import { Role } from '../../src/auth/roles';
import { useTestApp } from '../support/test-app';

/** Defects the SDL fuzzer (fuzz-sdl.test.ts) found, each pinned by the smallest request that showed it. */
const { app, make } = useTestApp();

const auditRecordsOf = async (customerId: string) =>
  (await app.ds.query(`SELECT count(*)::int AS count FROM audit_record WHERE customer_id = $1`, [customerId]))[0].count;

describe('a string that is not well-formed Unicode (a lone UTF-16 surrogate)', () => {
  // FUZZ_SEED=2, run 653: removeTag(tagCode: "\ud800") reached the audit record's jsonb, which
  // refused it (22P02), and the client got INTERNAL_SERVER_ERROR. Text columns would store it as
  // U+FFFD instead, a silent change of the client's data: it is refused at the door, naming where.
  it('is refused as BAD_REQUEST naming where it was, and nothing is written', async () => {
    const staff = await make.staff();
    const customer = await make.customer();
    const tag = await make.tag();
    await make.customerTag(customer.id, tag.id);
    const as = { sub: staff.id, roles: [Role.MARKETING_MANAGER], branchId: staff.branchId };
    const res = await app.gql(
      `mutation ($c: ID!, $t: String!) { removeTag(customerId: $c, tagCode: $t) }`,
      { c: customer.id, t: '\ud800' },
      { as },
    );
    expect(res.status).toBe(400);
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_REQUEST', field: 'variables.t' });
    expect(await auditRecordsOf(customer.id)).toBe(0);
  });

  it('is refused in the query text too, while a well-formed pair (an emoji) passes', async () => {
    const as = { sub: (await make.staff()).id, roles: [Role.COMPLIANCE_AUDITOR] };
    const lone = await app.gql(`{ customerByNumber(customerNo: "\ud83d") { id } }`, {}, { as });
    expect(lone.status).toBe(400);
    expect(lone.errors?.[0].extensions.code).toBe('BAD_REQUEST');
    const pair = await app.gql(`{ customerByNumber(customerNo: "😀") { id } }`, {}, { as });
    expect(pair.errors).toBeUndefined();
    expect(pair.data).toEqual({ customerByNumber: null });
  });
});

describe('more bad variable values than graphql-js reports', () => {
  // FUZZ_SEED=20261214, run 61 (graphql-js executor): a list of 300+ enum values with more than
  // 50 bad ones. graphql-js stops at 50 and adds "Too many errors processing variables", an
  // error without a code, which the gateway answered as INTERNAL_SERVER_ERROR.
  it('are all BAD_USER_INPUT, the last one included', async () => {
    const maker = await make.staff();
    const res = await app.gql(
      `mutation ($input: CampaignInput!) { createCampaign(input: $input) { id } }`,
      {
        input: {
          code: 'MANY-BAD',
          name: 'x',
          channels: ['WEB'],
          targetCriteria: { tiers: Array.from({ length: 60 }, (_, i) => `NOT_A_TIER_${i}`) },
        },
      },
      { as: { sub: maker.id, roles: [Role.MARKETING_MANAGER] } },
    );
    expect(res.status).toBe(400);
    expect(res.errors!.length).toBeGreaterThan(1);
    expect(res.errors!.filter((e) => e.extensions.code !== 'BAD_USER_INPUT')).toEqual([]);
  });
});

describe('an interaction naming a campaign that does not exist', () => {
  // FUZZ_SEED=7, run 752: a PRODUCT_VIEW with a well-formed campaignId naming no campaign broke the
  // interaction's foreign key (23503) and the client got INTERNAL_SERVER_ERROR.
  it('is NOT_FOUND like a campaign the customer is not enrolled in, and nothing is written', async () => {
    const staff = await make.staff();
    const customer = await make.customer({ branchId: staff.branchId, relationshipManagerId: staff.id });
    const other = await make.campaign({ status: 'ACTIVE' as never });
    const as = { sub: staff.id, roles: [Role.RELATIONSHIP_MANAGER] };
    for (const campaignId of ['2bac1238-b556-80ef-b98b-d4750df64bee', other.id]) {
      const res = await app.gql(
        `mutation ($input: RecordInteractionInput!) { recordInteraction(input: $input) { id } }`,
        {
          input: {
            customerNo: customer.customerNo,
            channel: 'WEB',
            type: 'PRODUCT_VIEW',
            occurredAt: new Date().toISOString(),
            campaignId,
          },
        },
        { as },
      );
      expect(res.errors?.map((e) => e.extensions.code)).toEqual(['NOT_FOUND']);
    }
    expect(
      await app.ds.query('SELECT count(*)::int AS n FROM interaction WHERE customer_id = $1', [customer.id]),
    ).toEqual([{ n: 0 }]);
  });
});

describe('a campaign naming a product that does not exist', () => {
  // FUZZ_SEED=13, run 187: createCampaign with productId ffffffff-… broke the campaign's foreign key
  // (23503) and the client got INTERNAL_SERVER_ERROR.
  it('is BAD_USER_INPUT naming productId, and no campaign is stored', async () => {
    const as = { sub: (await make.staff()).id, roles: [Role.MARKETING_MANAGER] };
    const before = await app.ds.query('SELECT count(*)::int AS n FROM campaign');
    const res = await app.gql(
      `mutation ($input: CampaignInput!) { createCampaign(input: $input) { id } }`,
      {
        input: {
          code: 'NO-PRODUCT',
          name: 'n',
          targetCriteria: {},
          channels: ['MOBILE_APP'],
          productId: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
        },
      },
      { as },
    );
    expect(res.errors?.map((e) => e.extensions)).toEqual([
      expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'input.productId' }),
    ]);
    expect(await app.ds.query('SELECT count(*)::int AS n FROM campaign')).toEqual(before);
  });
});

describe('found by a hostile review', () => {
  it('a body nested thousands deep is answered, not a stack overflow (HTTP 500)', async () => {
    const depth = 20_000;
    const res = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"query":"{ me { id } }","variables":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}`,
    });
    expect(res.status).toBeLessThan(500);
    expect(((await res.json()) as any).errors?.[0]?.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
  });

  it('a forged cursor holding a date that does not exist (month 13) is BAD_USER_INPUT', async () => {
    const cursor = (parts: string[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');
    const zero = '00000000-0000-4000-8000-000000000000';
    const customer = await make.customer();
    const campaigns = await app.gql(`query ($a: String) { campaigns(first: 1, after: $a) { totalCount } }`, {
      a: cursor(['2026-13-01T00:00:00.000Z', zero]),
    });
    const holdings = await app.gql(
      `query ($id: ID!, $a: String) { customer(id: $id) { holdings(first: 1, after: $a) { totalCount } } }`,
      { id: customer.id, a: cursor(['2026-13-01', zero]) },
    );
    for (const res of [campaigns, holdings]) {
      expect(res.errors?.map((e) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
    }
  });
});
