import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Role, Scope } from '../../src/auth/roles';
import { loadConfig } from '../../src/config';
import { Keyring } from '../../src/privacy/encryption/keyring';
import { LocalMasterKeys, localMasterKeys } from '../../src/privacy/encryption/master-keys';
import { keyUsage, rewrapDataKeys, rotateDataKey } from '../../src/privacy/encryption/rotation';
import { useTestApp } from '../support/test-app';

/**
 * Encrypted personal data at rest (issue 20, item 4; first slice: lead
 * phones), through HTTP on PostgreSQL: stored only as ciphertext, read back
 * in full or masked per the policy, invisible to pg_dump, and rotated online
 * (data key and master key) while reads go on.
 */
const MASTER = { id: 'test-master-1', key: randomBytes(32).toString('base64') };
const env = {
  MASTER_KEY: MASTER.key,
  MASTER_KEY_ID: MASTER.id,
  RATE_LIMIT_STAFF: '100000',
  RATE_LIMIT_PARTNER: '100000',
};
const { app, make } = useTestApp(env);
const config = loadConfig(env);

const REGISTER = `mutation ($input: RegisterLeadInput!) { registerLead(input: $input) { id } }`;
const LEADS = `query { leads(first: 100) { edges { node { id phone } } } }`;
const partner = { sub: 'partner-encryption', roles: [Role.PARTNER], scopes: [Scope.LEADS_WRITE] };
let refs = 0;
let phones = 0;

/** Leads registered through the API, routed to a relationship manager of a branch in a city of its own. */
async function leadsOfNewManager(count: number) {
  const city = `加密市${++refs}`;
  const branch = await make.branch({ city });
  const rm = await make.staff({ branchId: branch.id });
  await make.customer({ branchId: branch.id, relationshipManagerId: rm.id });
  const registered: { id: string; phone: string }[] = [];
  for (let i = 0; i < count; i++) {
    const phone = `137${String(10_000_000 + refs * 1000 + ++phones).slice(-8)}`;
    const res = await app.gql(
      REGISTER,
      {
        input: {
          name: '周八',
          phone,
          sourceChannel: 'PARTNER',
          consentReference: 'c-1',
          city,
          externalRef: `enc-${refs}-${i}`,
        },
      },
      { as: partner },
    );
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    registered.push({ id: res.data.registerLead.id, phone });
  }
  return { registered, asRm: { sub: rm.id, roles: [Role.RELATIONSHIP_MANAGER], branchId: branch.id } };
}

async function phonesReadBy(as: { sub: string; roles: Role[]; branchId: string }) {
  const res = await app.gql(LEADS, undefined, { as });
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return Object.fromEntries(res.data.leads.edges.map((e: any) => [e.node.id, e.node.phone]));
}

it('stores a lead phone only as ciphertext, and its manager reads it in full', async () => {
  const { registered, asRm } = await leadsOfNewManager(2);
  const stored = await app.ds.query(`SELECT id, phone FROM lead WHERE id = ANY($1)`, [registered.map((l) => l.id)]);
  for (const row of stored) {
    expect(row.phone).toMatch(/^enc1:\d+:/);
    expect(registered.some((l) => row.phone.includes(l.phone))).toBe(false);
  }
  expect(await phonesReadBy(asRm)).toEqual(Object.fromEntries(registered.map((l) => [l.id, l.phone])));
});

it('leaves no lead phone in a pg_dump of the database', async () => {
  const { registered } = await leadsOfNewManager(3);
  const { stdout } = await promisify(execFile)('pg_dump', ['--data-only', app.databaseUrl], {
    maxBuffer: 256 * 1024 * 1024,
  });
  expect(stdout).toContain('enc1:');
  for (const { phone } of registered) expect([phone, stdout.includes(phone)]).toEqual([phone, false]);
});

it('binds a value to its column: a ciphertext does not open as another column', async () => {
  const keyring = new Keyring(localMasterKeys(config.encryption));
  const sealed = await keyring.encrypt(app.ds, 'lead', 'phone', '13700000000');
  expect(keyring.decrypt('lead', 'phone', sealed)).toBe('13700000000');
  expect(() => keyring.decrypt('lead', 'name', sealed)).toThrow();
  // One flipped character of the ciphertext: authenticated encryption refuses it.
  const tampered = sealed.slice(0, -3) + (sealed.at(-3) === 'A' ? 'B' : 'A') + sealed.slice(-2);
  expect(() => keyring.decrypt('lead', 'phone', tampered)).toThrow();
});

it('rotates the lead data key in batches while reads keep answering every phone', async () => {
  const { registered, asRm } = await leadsOfNewManager(25);
  // Plaintext from before the column was encrypted is encrypted by the rotation too.
  await app.ds.query(`UPDATE lead SET phone = $2 WHERE id = $1`, [registered[0].id, registered[0].phone]);
  const expected = Object.fromEntries(registered.map((l) => [l.id, l.phone]));
  const midway: Record<string, string>[] = [];
  const { keyId } = await rotateDataKey(app.ds, localMasterKeys(config.encryption), 'lead', {
    batchSize: 10,
    settleMs: 0,
    onBatch: async ({ left }) => {
      if (left > 0) midway.push(await phonesReadBy(asRm));
    },
  });
  expect(midway.length).toBeGreaterThanOrEqual(1);
  for (const read of midway) expect(read).toEqual(expected);
  expect(Object.keys(await keyUsage(app.ds, 'lead'))).toEqual([String(keyId)]);
  expect(await phonesReadBy(asRm)).toEqual(expected);
  // The old key is retired, not destroyed: a server that has not refreshed yet still reads with it.
  const [{ retired }] = await app.ds.query(
    `SELECT count(*)::int AS retired FROM data_key WHERE scope = 'lead' AND retired_at IS NOT NULL`,
  );
  expect(retired).toBeGreaterThanOrEqual(1);
});

it('re-wraps the data keys under a new master key; a keyring with only the new key then opens every phone', async () => {
  const { registered, asRm } = await leadsOfNewManager(2);
  const next = { id: 'test-master-2', key: randomBytes(32).toString('base64') };
  const both = new LocalMasterKeys(
    next.id,
    new Map([
      [MASTER.id, Buffer.from(MASTER.key, 'base64')],
      [next.id, Buffer.from(next.key, 'base64')],
    ]),
  );
  expect(await rewrapDataKeys(app.ds, both)).toBeGreaterThanOrEqual(1);
  const [{ stale }] = await app.ds.query(`SELECT count(*)::int AS stale FROM data_key WHERE master_key_id <> $1`, [
    next.id,
  ]);
  expect(stale).toBe(0);
  // A process configured with the new master key alone (the old one retired) opens every phone.
  const keyring = new Keyring(localMasterKeys({ masterKey: next, retiredKeys: [], keyFile: '' }));
  const stored = await app.ds.query(`SELECT phone FROM lead WHERE id = ANY($1) ORDER BY id`, [
    registered.map((l) => l.id),
  ]);
  await keyring.prepare(
    app.ds,
    stored.map((r: { phone: string }) => r.phone),
  );
  expect(stored.map((r: { phone: string }) => keyring.decrypt('lead', 'phone', r.phone)).sort()).toEqual(
    registered.map((l) => l.phone).sort(),
  );
  expect(Object.values(await phonesReadBy(asRm)).sort()).toEqual(registered.map((l) => l.phone).sort());
});

it('refuses to start in production without a master key', () => {
  expect(() =>
    loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'p'.repeat(40), AUDIT_HASH_KEY: 'a'.repeat(40) }),
  ).toThrow(/MASTER_KEY: must be set in production/);
  expect(() => loadConfig({ MASTER_KEY: 'too-short' })).toThrow(/MASTER_KEY/);
});
