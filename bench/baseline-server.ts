/**
 * The raw baselines (issues 6 and 18): a minimal HTTP server, no GraphQL, no
 * authentication, that answers W1 and W2 with the same masks and row scope
 * as the gateway, either with one hand-written statement each, PostgreSQL
 * building the whole JSON response (lateral subqueries and json_agg;
 * BASELINE_JSON=postgres, the default), or from plain rows with the JSON
 * built in Node (BASELINE_JSON=node, baseline-rows.ts). Both do the work the
 * contract asks of any server answering W1: the relationship manager reads
 * sensitive fields in full, so the same read-audit record is committed before
 * the answer, with the gateway's own group-commit writer. W3 (issue 18), a
 * partner's write, runs in the gateway's transaction shape with its audit
 * record (see W3_INSERT). The faster of the two is the practical limit of
 * this database on this machine; the benchmark checks that both return the
 * same JSON (and audit record) as the gateway before measuring.
 *   DATABASE_URL=... PORT=0 BASELINE_JSON=node node -r @swc-node/register bench/baseline-server.ts
 * Prints {"url": ...} on its first line of output once listening.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pool } from 'pg';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { createDataSource } from '../src/db/data-source';
import { ReadAuditWriter } from '../src/modules/audit/read-audit-writer';
import { requestHashOf } from '../src/modules/idempotency/idempotency.service';
import { Decrypt, w1FromRows, w2FromRows } from './baseline-rows';
import { DEVELOPMENT_AUDIT_HASH_KEY, loadConfig } from '../src/config';
import { Keyring } from '../src/privacy/encryption/keyring';
import { localMasterKeys } from '../src/privacy/encryption/master-keys';
import { maskAccountNo, maskIdNumber } from '../src/privacy/masks';

const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', ${ISO_MS})`;

/** masks.ts, in SQL. */
const maskName = (c: string) => `left(${c}, 1) || repeat('*', greatest(char_length(${c}) - 1, 1))`;

const product = `json_build_object('code', p.code, 'name', p.name, 'type', p.type, 'riskLevel', p.risk_level)`;
const tags = (extra: string) => `COALESCE((
  SELECT json_agg(json_build_object('tag', json_build_object('code', t.code, 'name', t.name, 'category', t.category),
                                    'source', ct.source, 'confidence', ct.confidence::float8 ${extra}) ORDER BY t.code)
  FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id
  WHERE ct.customer_id = c.id AND (ct.expires_at IS NULL OR ct.expires_at > now())), '[]'::json)`;

/**
 * W1, as relationship manager $2: null unless the customer is in their book.
 * Its encrypted values (ID number, phone, email, street, account numbers)
 * come out as stored: openW1 decrypts and masks them in Node.
 */
const W1_SQL = `
SELECT json_build_object('data', json_build_object('customer', (
  SELECT json_build_object(
    'id', c.id, 'customerNo', c.customer_no, 'name', c.name, 'gender', c.gender, 'birthDate', c.birth_date,
    'idNumber', c.id_number, 'phone', c.phone, 'email', c.email,
    'address', c.address_province || c.address_city || c.address_district, 'addressStreet', c.address_street,
    'city', c.city,
    'tier', c.tier, 'lifecycleStage', c.lifecycle_stage, 'aum', c.aum::text, 'kycStatus', c.kyc_status,
    'branch', json_build_object('id', b.id, 'code', b.code, 'name', b.name),
    'relationshipManager', json_build_object('id', rm.id, 'name', rm.name),
    'tags', ${tags(`, 'assignedAt', ${iso('ct.assigned_at')}, 'expiresAt', ${iso('ct.expires_at')}`)},
    'holdings', json_build_object(
      'totalCount', (SELECT count(*) FROM holding WHERE customer_id = c.id),
      'edges', COALESCE((SELECT json_agg(json_build_object('node', json_build_object(
                  'id', h.id, 'accountNo', h.account_no, 'balance', h.balance::text,
                  'currency', h.currency, 'openedAt', h.opened_on, 'maturityDate', h.maturity_date, 'status', h.status,
                  'product', ${product})) ORDER BY h.opened_on DESC, h.id DESC)
                FROM (SELECT * FROM holding WHERE customer_id = c.id ORDER BY opened_on DESC, id DESC LIMIT 10) h
                JOIN product p ON p.id = h.product_id), '[]'::json),
      'pageInfo', json_build_object('hasNextPage', (SELECT count(*) > 10 FROM (SELECT 1 FROM holding WHERE customer_id = c.id LIMIT 11) x))),
    'interactions', json_build_object(
      'edges', COALESCE((SELECT json_agg(json_build_object('node', json_build_object(
                  'id', i.id, 'channel', i.channel, 'type', i.type, 'occurredAt', ${iso('i.occurred_at')},
                  'summary', i.summary, 'outcome', i.outcome)) ORDER BY i.occurred_at DESC, i.id DESC)
                FROM (SELECT * FROM interaction WHERE customer_id = c.id ORDER BY occurred_at DESC, id DESC LIMIT 10) i), '[]'::json),
      'pageInfo', json_build_object('hasNextPage', (SELECT count(*) > 10 FROM (SELECT 1 FROM interaction WHERE customer_id = c.id LIMIT 11) x))),
    'campaignEnrollments', COALESCE((
      SELECT json_agg(json_build_object('status', e.status, 'channel', e.channel,
               'campaign', json_build_object('id', k.id, 'code', k.code, 'name', k.name, 'status', k.status)) ORDER BY e.enrolled_at DESC)
      FROM campaign_enrollment e JOIN campaign k ON k.id = e.campaign_id WHERE e.customer_id = c.id), '[]'::json),
    'riskProfile', (
      SELECT json_build_object('riskTolerance', r.risk_tolerance, 'assessedAt', ${iso('r.assessed_at')},
                               'validUntil', r.valid_until, 'creditGrade', r.credit_grade)
      FROM risk_assessment r WHERE r.customer_id = c.id ORDER BY r.assessed_at DESC, r.id DESC LIMIT 1))
  FROM customer c
  JOIN branch b ON b.id = c.branch_id
  JOIN staff rm ON rm.id = c.relationship_manager_id
  WHERE c.id = $1 AND c.relationship_manager_id = $2
)))::text AS body,
EXISTS (SELECT 1 FROM customer WHERE id = $1 AND relationship_manager_id = $2) AS found`;

/** W2, as a marketing analyst (every customer but those who withdrew personalised marketing, names masked). */
const W2_SQL = `
WITH page AS (
  SELECT c.* FROM customer c
  WHERE c.tier = $1 AND NOT c.personalised_marketing_withdrawn
    AND EXISTS (SELECT 1 FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id
                WHERE ct.customer_id = c.id AND t.code = $2 AND (ct.expires_at IS NULL OR ct.expires_at > now()))
  ORDER BY c.customer_no LIMIT 51
)
SELECT json_build_object('data', json_build_object('customers', json_build_object(
  'edges', COALESCE((
    SELECT json_agg(json_build_object('node', json_build_object(
      'id', c.id, 'customerNo', c.customer_no, 'name', ${maskName('c.name')}, 'city', c.city,
      'tier', c.tier, 'lifecycleStage', c.lifecycle_stage,
      'tags', ${tags('')},
      'holdings', json_build_object('edges', COALESCE((
        SELECT json_agg(json_build_object('node', json_build_object(
                 'id', h.id, 'currency', h.currency, 'openedAt', h.opened_on, 'status', h.status, 'product', ${product}))
               ORDER BY h.opened_on DESC, h.id DESC)
        FROM (SELECT * FROM holding WHERE customer_id = c.id ORDER BY opened_on DESC, id DESC LIMIT 10) h
        JOIN product p ON p.id = h.product_id), '[]'::json))
    )) ORDER BY c.customer_no)
    FROM (SELECT * FROM page ORDER BY customer_no LIMIT 50) c), '[]'::json),
  'pageInfo', json_build_object('hasNextPage', (SELECT count(*) > 50 FROM page))
)))::text AS body`;

/**
 * W3, a partner's recordInteraction, in the gateway's transaction shape: the
 * idempotency claim, then the insert (only for a customer who consented to
 * partner sharing) with the audit record the contract requires of every
 * write in the same statement, then the stored response. It does not queue
 * the segment refresh (the gateway does, in its insert statement).
 */
const W3_CLAIM = `INSERT INTO idempotency_record (principal_id, key, operation, request_hash, expires_at)
  VALUES ($1, $2, 'recordInteraction', $3, now() + interval '24 hours')
  ON CONFLICT (principal_id, key) DO NOTHING RETURNING key`;
const W3_PRIOR = `SELECT request_hash, response FROM idempotency_record WHERE principal_id = $1 AND key = $2`;
const W3_INSERT = `
WITH recorded AS (
  INSERT INTO interaction (customer_id, channel, type, occurred_at, summary, outcome, partner_id, compliance_flags)
  SELECT c.id, $2, $3, $4, $5, $6, $7, '{}' FROM customer c
  WHERE c.customer_no = $1
    AND EXISTS (SELECT 1 FROM consent k WHERE k.customer_id = c.id AND k.purpose = 'PARTNER_SHARING' AND k.granted)
  RETURNING id, customer_id
),
audited AS (
  INSERT INTO audit_record (actor_id, actor_roles, customer_id, operation, operation_name, request_id, detail)
  SELECT $7, '{PARTNER}', customer_id, 'recordInteraction', 'recordInteraction', $8,
         jsonb_build_object('interactionId', id, 'type', $3::text)
  FROM recorded
)
SELECT id FROM recorded`;
const W3_STORE = `UPDATE idempotency_record SET response = $3 WHERE principal_id = $1 AND key = $2`;

export interface BaselineRequest {
  operationName?: string;
  variables?: Record<string, unknown>;
  /**
   * Who asks: the relationship manager for W1, the partner for W3 (the
   * baseline trusts it; the gateway verifies a token).
   */
  extensions?: { staffId?: string; partnerId?: string };
}

/** The body of W3's answer, the same JSON as the gateway's (the safelisted operation selects __typename). */
const receipt = (id: string) =>
  JSON.stringify({ data: { recordInteraction: { id, __typename: 'InteractionReceipt' } } });
const notFound = JSON.stringify({ errors: [{ message: 'No such customer', extensions: { code: 'NOT_FOUND' } }] });

/** W3 under an Idempotency-Key: writes once per key, replays the first answer, CONFLICT for another input. */
async function recordInteraction(pool: Pool, request: BaselineRequest, key: string): Promise<string> {
  const input = (request.variables?.input ?? {}) as Record<string, unknown>;
  const partnerId = request.extensions?.partnerId;
  // Keyed like the gateway's (the same work); the key is the gateway's own default unless set.
  const hash = requestHashOf(process.env.AUDIT_HASH_KEY ?? DEVELOPMENT_AUDIT_HASH_KEY, 'recordInteraction', input);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const claimed = await client.query({ name: 'w3-claim', text: W3_CLAIM, values: [partnerId, key, hash] });
    let body: string;
    if (claimed.rowCount === 0) {
      const [prior] = (await client.query({ name: 'w3-prior', text: W3_PRIOR, values: [partnerId, key] })).rows;
      body =
        prior.request_hash === hash
          ? JSON.stringify(prior.response)
          : JSON.stringify({ errors: [{ message: 'Key reused', extensions: { code: 'CONFLICT' } }] });
    } else {
      const values = [input.customerNo, input.channel, input.type, input.occurredAt, input.summary ?? null];
      values.push(input.outcome ?? null, partnerId, randomUUID());
      const [row] = (await client.query({ name: 'w3-insert', text: W3_INSERT, values })).rows;
      if (!row) {
        await client.query('ROLLBACK');
        return notFound;
      }
      body = receipt(row.id);
      await client.query({ name: 'w3-store', text: W3_STORE, values: [partnerId, key, body] });
    }
    await client.query('COMMIT');
    return body;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * What the gateway's read audit records for W1 (the relationship manager reads these in full), in its
 * order; the benchmark checks, before measuring, that both servers write the same record.
 */
export const W1_AUDITED_FIELDS = ['address', 'aum', 'balance', 'birthDate', 'creditGrade', 'email', 'phone'];

/** W1 and W2's answer as JSON text, and the customer whose sensitive fields it returned in full (W1). */
type Answer = { body: string; customerRead?: string };

/** W1_SQL's answer with its encrypted values decrypted, the ID number and account numbers masked as masks.ts does. */
async function openW1(body: string, decrypt: Decrypt): Promise<string> {
  const answer = JSON.parse(body);
  const customer = answer.data.customer;
  if (!customer) return body;
  await decrypt('customer', [customer], {
    id_number: 'idNumber',
    phone: 'phone',
    email: 'email',
    address_street: 'addressStreet',
  });
  customer.idNumber = maskIdNumber(customer.idNumber);
  customer.address += customer.addressStreet;
  delete customer.addressStreet;
  const holdings = customer.holdings.edges.map((edge: { node: Record<string, string> }) => edge.node);
  await decrypt('holding', holdings, { account_no: 'accountNo' });
  for (const holding of holdings) holding.accountNo = maskAccountNo(holding.accountNo);
  return JSON.stringify(answer);
}

/** One statement each, PostgreSQL building the JSON. */
async function answerInPostgres(pool: Pool, decrypt: Decrypt, request: BaselineRequest): Promise<Answer | undefined> {
  const variables = request.variables ?? {};
  if (request.operationName === 'Customer360') {
    const values = [variables.id, request.extensions?.staffId];
    const [{ body, found }] = (await pool.query({ name: 'w1', text: W1_SQL, values })).rows;
    return { body: await openW1(body, decrypt), customerRead: found ? String(variables.id) : undefined };
  }
  if (request.operationName === 'SegmentPage') {
    const values = [variables.tier, variables.tag];
    return { body: (await pool.query({ name: 'w2', text: W2_SQL, values })).rows[0].body };
  }
  return undefined;
}

/** Plain rows, the JSON built in Node. */
async function answerInNode(pool: Pool, decrypt: Decrypt, request: BaselineRequest): Promise<Answer | undefined> {
  const variables = request.variables ?? {};
  if (request.operationName === 'Customer360') {
    const customer = await w1FromRows(pool, decrypt, String(variables.id), String(request.extensions?.staffId));
    return { body: JSON.stringify({ data: { customer } }), customerRead: customer ? customer.id : undefined };
  }
  if (request.operationName === 'SegmentPage') {
    return { body: JSON.stringify({ data: await w2FromRows(pool, String(variables.tier), String(variables.tag)) }) };
  }
  return undefined;
}

async function main() {
  const ds = createDataSource(process.env.DATABASE_URL!, {
    poolSize: Number(process.env.DB_POOL_SIZE ?? 10),
    applicationName: 'customer360-baseline',
  });
  await ds.initialize();
  const pool = (ds.driver as PostgresDriver).master as Pool;
  const audit = new ReadAuditWriter(ds);
  // The gateway's keys (MASTER_KEY), read once: decrypting is then a local call, as in the gateway.
  const keyring = new Keyring(localMasterKeys(loadConfig().encryption));
  await keyring.refresh(ds);
  const decrypt: Decrypt = (scope, rows, fields) => keyring.open(ds, scope, rows, fields);
  const answer = process.env.BASELINE_JSON === 'node' ? answerInNode : answerInPostgres;
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200).end('ok');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      try {
        const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as BaselineRequest;
        const key = req.headers['idempotency-key'];
        if (request.operationName === 'RecordInteraction' && typeof key === 'string') {
          const body = await recordInteraction(pool, request, key);
          res.writeHead(200, { 'content-type': 'application/json' }).end(body);
          return;
        }
        const answered = await answer(pool, decrypt, request);
        if (!answered) {
          res.writeHead(400).end();
          return;
        }
        if (answered.customerRead) {
          await audit.write([
            {
              actorId: String(request.extensions?.staffId),
              actorRoles: ['RELATIONSHIP_MANAGER'],
              customerId: answered.customerRead,
              fields: W1_AUDITED_FIELDS,
              operationName: request.operationName ?? null,
              requestId: randomUUID(),
            },
          ]);
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(answered.body);
      } catch {
        res.writeHead(500).end();
      }
    });
  });
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    console.log(JSON.stringify({ url: `http://127.0.0.1:${port}/` }));
  });
  process.on('SIGTERM', () => server.close(() => void ds.destroy()));
}

if (require.main === module) void main();
