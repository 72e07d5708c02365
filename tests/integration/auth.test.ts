import { SignJWT, UnsecuredJWT } from 'jose';
import { DEVELOPMENT_JWT_SECRET } from '../../src/config';
import { startTestApp, TestApp } from '../support/test-app';
import { Factory } from '../support/factories';
import { staffId } from '../support/staff-ids';

let app: TestApp;
const now = () => Math.floor(Date.now() / 1000);
const key = (secret = DEVELOPMENT_JWT_SECRET) => new TextEncoder().encode(secret);

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

async function meWith(token: string | null) {
  return app.gql(`{ me { id roles branchId scopes } }`, undefined, {
    as: null,
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
}

function sign(payload: Record<string, unknown>, header: Record<string, unknown> = { alg: 'HS256' }, secret?: string) {
  return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(key(secret));
}

function expectUnauthenticated(res: Awaited<ReturnType<typeof meWith>>) {
  expect(res.status).toBe(401);
  expect(res.data).toBeUndefined();
  expect(res.errors).toHaveLength(1);
  expect(res.errors![0].extensions).toEqual({ code: 'UNAUTHENTICATED', requestId: res.headers.get('x-request-id') });
}

describe('tokens', () => {
  it('identifies the caller with me', async () => {
    const token = await app.token({ sub: staffId('staff-1'), roles: ['BRANCH_STAFF'], branchId: 'b-1' });
    const res = await meWith(token);
    expect(res.data.me).toEqual({ id: staffId('staff-1'), roles: ['BRANCH_STAFF'], branchId: 'b-1', scopes: [] });
  });

  it('keeps several known roles and drops unknown ones', async () => {
    const token = await app.token({ sub: 'p-1', roles: ['PARTNER', 'GOD_MODE'], scopes: ['leads:write'] });
    expect((await meWith(token)).data.me).toEqual({
      id: 'p-1',
      roles: ['PARTNER'],
      branchId: null,
      scopes: ['leads:write'],
    });
  });

  it('refuses a request without a token', async () => {
    expectUnauthenticated(await meWith(null));
  });

  it('refuses an expired token, but tolerates 30 seconds of clock skew', async () => {
    expectUnauthenticated(await meWith(await sign({ sub: staffId('s'), roles: ['RISK_OFFICER'], exp: now() - 40 })));
    expect((await meWith(await sign({ sub: staffId('s'), roles: ['RISK_OFFICER'], exp: now() - 10 }))).data.me.id).toBe(
      staffId('s'),
    );
  });

  it('refuses a token that is not valid yet', async () => {
    expectUnauthenticated(
      await meWith(await sign({ sub: staffId('s'), roles: ['RISK_OFFICER'], exp: now() + 600, nbf: now() + 120 })),
    );
  });

  it('refuses a token signed with another key', async () => {
    const forged = await sign(
      { sub: staffId('s'), roles: ['RISK_OFFICER'], exp: now() + 600 },
      undefined,
      'x'.repeat(40),
    );
    expectUnauthenticated(await meWith(forged));
  });

  it('refuses alg: none', async () => {
    const unsigned = new UnsecuredJWT({ sub: staffId('s'), roles: ['RISK_OFFICER'] }).setExpirationTime('5m').encode();
    expectUnauthenticated(await meWith(unsigned));
  });

  it('refuses a token without exp or without sub', async () => {
    expectUnauthenticated(await meWith(await sign({ sub: staffId('s'), roles: ['RISK_OFFICER'] })));
    expectUnauthenticated(await meWith(await sign({ roles: ['RISK_OFFICER'], exp: now() + 600 })));
  });

  it('refuses a token that carries PARTNER together with a staff role', async () => {
    for (const staffRole of ['BRANCH_STAFF', 'RELATIONSHIP_MANAGER', 'COMPLIANCE_AUDITOR']) {
      const mixed = await app.token({ sub: staffId('p-2'), roles: ['PARTNER', staffRole], scopes: ['leads:write'] });
      expectUnauthenticated(await meWith(mixed));
    }
  });

  it("refuses a staff token whose subject is not a UUID, and keeps a staff UUID's canonical lower-case form", async () => {
    for (const sub of ['agent-1', '12345', `${staffId('x')}0`, ' ' + staffId('x')]) {
      expectUnauthenticated(await meWith(await app.token({ sub, roles: ['CALL_CENTER_AGENT'] })));
    }
    const upper = staffId('upper').toUpperCase();
    const me = await meWith(await app.token({ sub: upper, roles: ['CALL_CENTER_AGENT'] }));
    expect(me.data.me.id).toBe(staffId('upper'));
  });

  it('lets a staff UUID that names no staff member read, but refuses its writes as FORBIDDEN before anything is stored', async () => {
    const stranger = { sub: staffId('nobody-in-the-directory'), roles: ['CALL_CENTER_AGENT', 'MARKETING_MANAGER'] };
    expect((await app.gql('{ tags { code } }', undefined, { as: stranger })).errors).toBeUndefined();
    const customer = await new Factory(app.ds).customer();
    const before = await app.ds.query('SELECT count(*)::int AS n FROM interaction');
    const write = await app.gql(
      `mutation ($i: RecordInteractionInput!) { recordInteraction(input: $i) { id } }`,
      {
        i: {
          customerNo: customer.customerNo,
          channel: 'BRANCH',
          type: 'INQUIRY',
          occurredAt: new Date().toISOString(),
        },
      },
      { as: stranger },
    );
    expect(write.errors?.map((e) => e.extensions.code)).toEqual(['FORBIDDEN']);
    expect(await app.ds.query('SELECT count(*)::int AS n FROM interaction')).toEqual(before);
  });

  it('refuses a token with no known role', async () => {
    expectUnauthenticated(await meWith(await sign({ sub: staffId('s'), roles: ['ADMIN'], exp: now() + 600 })));
    expectUnauthenticated(await meWith(await sign({ sub: staffId('s'), exp: now() + 600 })));
  });

  it('refuses a garbled Authorization header', async () => {
    expectUnauthenticated(await meWith('not-a-jwt'));
  });

  /** The raw header, exactly as sent: `meWith` would put `Bearer ` in front of it. */
  const withHeader = (authorization?: string) =>
    app.gql(`{ me { id } }`, undefined, { as: null, headers: authorization === undefined ? {} : { authorization } });

  it('tells a missing Authorization header that a bearer token is required', async () => {
    for (const authorization of [undefined, '']) {
      const res = await withHeader(authorization);
      expectUnauthenticated(res);
      expect({ authorization, message: res.errors![0].message }).toEqual({
        authorization,
        message: 'A bearer token is required',
      });
    }
  });

  it('tells a malformed Authorization header that the token is malformed, not that one is missing', async () => {
    const wellSigned = await app.token({ sub: staffId('s'), roles: ['RISK_OFFICER'] });
    const malformed = [
      'Bearer not.a.jwt',
      'Bearer not-a-jwt',
      'Bearer',
      'Bearer ',
      'Basic abc',
      `Basic ${wellSigned}`,
      `Bearer ${wellSigned} ${wellSigned}`,
      // Three segments of the right alphabet, but neither header nor claims decode to JSON.
      'Bearer eyJhbGciOi.eyJzdWIiOi.c2ln',
    ];
    for (const authorization of malformed) {
      const res = await withHeader(authorization);
      expectUnauthenticated(res);
      expect({ authorization, message: res.errors![0].message }).toEqual({
        authorization,
        message: 'The token is malformed',
      });
    }
    // A well-formed token that fails verification is still told it is not valid, not malformed.
    const forged = await sign(
      { sub: staffId('s'), roles: ['RISK_OFFICER'], exp: now() + 600 },
      undefined,
      'y'.repeat(40),
    );
    expect((await meWith(forged)).errors![0].message).toBe('The token is not valid');
  });
});

describe('issuer and audience, when configured', () => {
  let strict: TestApp;
  beforeAll(async () => {
    strict = await startTestApp({ JWT_ISSUER: 'https://idp.bank.example', JWT_AUDIENCE: 'customer360' });
  });
  afterAll(() => strict.close());

  const call = (token: string) =>
    strict.gql(`{ me { id } }`, undefined, { as: null, headers: { authorization: `Bearer ${token}` } });

  it('accepts the configured issuer and audience and refuses others', async () => {
    const claims = { sub: staffId('s'), roles: ['RISK_OFFICER'], exp: now() + 600 };
    expect(
      (await call(await sign({ ...claims, iss: 'https://idp.bank.example', aud: 'customer360' }))).data.me.id,
    ).toBe(staffId('s'));
    expect((await call(await sign({ ...claims, iss: 'https://evil.example', aud: 'customer360' }))).status).toBe(401);
    expect((await call(await sign({ ...claims, iss: 'https://idp.bank.example', aud: 'other' }))).status).toBe(401);
  });
});

describe('RS256 through a JWKS URL', () => {
  let idp: import('node:http').Server;
  let rsaApp: TestApp;
  let privateKey: Parameters<SignJWT['sign']>[0];

  beforeAll(async () => {
    const { createServer } = await import('node:http');
    const { exportJWK, generateKeyPair } = await import('jose');
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    idp = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    const { port } = idp.address() as import('node:net').AddressInfo;
    rsaApp = await startTestApp({ JWT_JWKS_URL: `http://127.0.0.1:${port}/jwks.json` });
  });
  afterAll(async () => {
    await rsaApp.close();
    idp.close();
  });

  const call = (token: string) =>
    rsaApp.gql(`{ me { id } }`, undefined, { as: null, headers: { authorization: `Bearer ${token}` } });

  it('accepts a token signed by the identity provider’s key', async () => {
    const token = await new SignJWT({ sub: staffId('rs'), roles: ['RISK_OFFICER'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setExpirationTime('5m')
      .sign(privateKey);
    expect((await call(token)).data.me.id).toBe(staffId('rs'));
  });

  it('refuses an HS256 token, whatever secret signed it', async () => {
    expect((await call(await sign({ sub: staffId('s'), roles: ['RISK_OFFICER'], exp: now() + 600 }))).status).toBe(401);
  });
});
