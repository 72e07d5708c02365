/**
 * The raw-SQL baseline (issue 6): a minimal HTTP server that answers W1 and
 * W2 with one hand-written statement each, PostgreSQL building the whole
 * JSON response (lateral subqueries and json_agg), with the same masks and
 * row scope as the gateway and no GraphQL, no authentication, no audit. It is
 * the practical limit of this database on this machine; the benchmark checks
 * that it returns the same JSON as the gateway before measuring either.
 *   DATABASE_URL=... PORT=0 node -r @swc-node/register bench/baseline-server.ts
 * Prints {"url": ...} on its first line of output once listening.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';

const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', ${ISO_MS})`;

/** masks.ts, in SQL. */
const maskIdNumber = (c: string) =>
  `CASE WHEN char_length(${c}) = 18 THEN left(${c}, 3) || repeat('*', 11) || right(${c}, 4)
        ELSE repeat('*', greatest(char_length(${c}) - 4, 4)) || right(${c}, 4) END`;
const maskName = (c: string) => `left(${c}, 1) || repeat('*', greatest(char_length(${c}) - 1, 1))`;

const product = `json_build_object('code', p.code, 'name', p.name, 'type', p.type, 'riskLevel', p.risk_level)`;
const tags = (extra: string) => `COALESCE((
  SELECT json_agg(json_build_object('tag', json_build_object('code', t.code, 'name', t.name, 'category', t.category),
                                    'source', ct.source, 'confidence', ct.confidence::float8 ${extra}) ORDER BY t.code)
  FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id
  WHERE ct.customer_id = c.id AND (ct.expires_at IS NULL OR ct.expires_at > now())), '[]'::json)`;

/** W1, as relationship manager $2: null unless the customer is in their book. */
const W1_SQL = `
SELECT json_build_object('data', json_build_object('customer', (
  SELECT json_build_object(
    'id', c.id, 'customerNo', c.customer_no, 'name', c.name, 'gender', c.gender, 'birthDate', c.birth_date,
    'idNumber', ${maskIdNumber('c.id_number')}, 'phone', c.phone, 'email', c.email,
    'address', c.address_province || c.address_city || c.address_district || c.address_street, 'city', c.city,
    'tier', c.tier, 'lifecycleStage', c.lifecycle_stage, 'aum', c.aum::text, 'kycStatus', c.kyc_status,
    'branch', json_build_object('id', b.id, 'code', b.code, 'name', b.name),
    'relationshipManager', json_build_object('id', rm.id, 'name', rm.name),
    'tags', ${tags(`, 'assignedAt', ${iso('ct.assigned_at')}, 'expiresAt', ${iso('ct.expires_at')}`)},
    'holdings', json_build_object(
      'totalCount', (SELECT count(*) FROM holding WHERE customer_id = c.id),
      'edges', COALESCE((SELECT json_agg(json_build_object('node', json_build_object(
                  'id', h.id, 'accountNo', '****' || right(h.account_no, 4), 'balance', h.balance::text,
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
)))::text AS body`;

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

export interface BaselineRequest {
  operationName?: string;
  variables?: Record<string, unknown>;
  /** Who asks: the relationship manager for W1 (the baseline trusts it; the gateway verifies a token). */
  extensions?: { staffId?: string };
}

/** The statement and parameters answering a request, or undefined for anything but W1 and W2. */
export function statementFor(request: BaselineRequest): { text: string; values: unknown[] } | undefined {
  const variables = request.variables ?? {};
  if (request.operationName === 'Customer360')
    return { text: W1_SQL, values: [variables.id, request.extensions?.staffId] };
  if (request.operationName === 'SegmentPage') return { text: W2_SQL, values: [variables.tier, variables.tag] };
  return undefined;
}

async function main() {
  const pool = new Pool({
    connectionString: process.env.DATABASE_URL,
    max: Number(process.env.DB_POOL_SIZE ?? 10),
    application_name: 'customer360-baseline',
  });
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200).end('ok');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      try {
        const statement = statementFor(JSON.parse(Buffer.concat(chunks).toString('utf8')) as BaselineRequest);
        if (!statement) {
          res.writeHead(400).end();
          return;
        }
        // A named statement is parsed and planned once per connection, as a tuned service would.
        const { rows } = await pool.query({ name: statement.text === W1_SQL ? 'w1' : 'w2', ...statement });
        res.writeHead(200, { 'content-type': 'application/json' }).end(rows[0].body);
      } catch {
        res.writeHead(500).end();
      }
    });
  });
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    console.log(JSON.stringify({ url: `http://127.0.0.1:${port}/` }));
  });
  process.on('SIGTERM', () => server.close(() => void pool.end()));
}

if (require.main === module) void main();
