/**
 * The second raw baseline (issue 18): W1 and W2 from plain rows, the JSON
 * built in Node. PostgreSQL building a whole page of JSON (the other
 * baseline) spends most of W2's time there, so the limit the gateway is
 * measured against is whichever of the two answers faster in the same run.
 * Same answers as the gateway (checked at the start of a run); statements
 * named, so each connection plans them once; independent reads in parallel.
 */
import type { Pool } from 'pg';
import { maskAccountNo, maskIdNumber, maskName } from '../src/privacy/masks';
import type { KeyScope } from '../src/privacy/encryption/keyring';

type Row = Record<string, any>;

/**
 * Decrypts rows in place (Keyring.open): personal data is stored encrypted
 * (issue 20), and a raw baseline that answers the same JSON does the same
 * decryption in Node as the gateway.
 */
export type Decrypt = (scope: KeyScope, rows: Row[], fields: Record<string, string>) => Promise<unknown>;

const iso = (value: Date | null) => (value === null ? null : value.toISOString());

async function rows(pool: Pool, name: string, text: string, values: unknown[]): Promise<Row[]> {
  return (await pool.query({ name, text, values })).rows;
}

const W1_CUSTOMER = `
SELECT c.id, c.customer_no, c.name, c.gender, c.birth_date, c.id_number, c.phone, c.email,
       c.address_province, c.address_city, c.address_district, c.address_street, c.city,
       c.tier, c.lifecycle_stage, c.aum, c.kyc_status,
       b.id AS branch_id, b.code AS branch_code, b.name AS branch_name, rm.id AS rm_id, rm.name AS rm_name
FROM customer c JOIN branch b ON b.id = c.branch_id JOIN staff rm ON rm.id = c.relationship_manager_id
WHERE c.id = $1 AND c.relationship_manager_id = $2`;
const TAGS = (extra: string) => `
SELECT ct.customer_id, t.code, t.name, t.category, ct.source, ct.confidence ${extra}
FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id
WHERE ct.customer_id = ANY($1::uuid[]) AND (ct.expires_at IS NULL OR ct.expires_at > now())
ORDER BY ct.customer_id, t.code`;
const W1_TAGS = TAGS(', ct.assigned_at, ct.expires_at');
/** Eleven rows say whether there is a next page; the window counts all of them before the limit. */
const W1_HOLDINGS = `
SELECT h.id, h.account_no, h.balance, h.currency, h.opened_on, h.maturity_date, h.status,
       p.code, p.name, p.type, p.risk_level, count(*) OVER () AS total
FROM holding h JOIN product p ON p.id = h.product_id
WHERE h.customer_id = $1 ORDER BY h.opened_on DESC, h.id DESC LIMIT 11`;
const W1_INTERACTIONS = `
SELECT id, channel, type, occurred_at, summary, outcome FROM interaction
WHERE customer_id = $1 ORDER BY occurred_at DESC, id DESC LIMIT 11`;
const W1_ENROLLMENTS = `
SELECT e.status, e.channel, k.id, k.code, k.name, k.status AS campaign_status
FROM campaign_enrollment e JOIN campaign k ON k.id = e.campaign_id
WHERE e.customer_id = $1 ORDER BY e.enrolled_at DESC`;
const W1_RISK = `
SELECT risk_tolerance, assessed_at, valid_until, credit_grade FROM risk_assessment
WHERE customer_id = $1 ORDER BY assessed_at DESC, id DESC LIMIT 1`;

const product = (r: Row) => ({ code: r.code, name: r.name, type: r.type, riskLevel: r.risk_level });

/** W1 as relationship manager `staffId`: the customer, or null when not in their book. */
export async function w1FromRows(pool: Pool, decrypt: Decrypt, id: string, staffId: string): Promise<Row | null> {
  // The relations are read beside the customer; they are thrown away when it is not in the book.
  const [[c], tags, holdings, interactions, enrollments, [risk]] = await Promise.all([
    rows(pool, 'r1-customer', W1_CUSTOMER, [id, staffId]),
    rows(pool, 'r1-tags', W1_TAGS, [[id]]),
    rows(pool, 'r1-holdings', W1_HOLDINGS, [id]),
    rows(pool, 'r1-interactions', W1_INTERACTIONS, [id]),
    rows(pool, 'r1-enrollments', W1_ENROLLMENTS, [id]),
    rows(pool, 'r1-risk', W1_RISK, [id]),
  ]);
  if (!c) return null;
  await decrypt('customer', [c], {
    id_number: 'id_number',
    phone: 'phone',
    email: 'email',
    address_street: 'address_street',
  });
  await decrypt('holding', holdings.slice(0, 10), { account_no: 'account_no' });
  return {
    id: c.id,
    customerNo: c.customer_no,
    name: c.name,
    gender: c.gender,
    birthDate: c.birth_date,
    idNumber: maskIdNumber(c.id_number),
    phone: c.phone,
    email: c.email,
    address: c.address_province + c.address_city + c.address_district + c.address_street,
    city: c.city,
    tier: c.tier,
    lifecycleStage: c.lifecycle_stage,
    aum: c.aum,
    kycStatus: c.kyc_status,
    branch: { id: c.branch_id, code: c.branch_code, name: c.branch_name },
    relationshipManager: { id: c.rm_id, name: c.rm_name },
    tags: tags.map((t) => ({
      tag: { code: t.code, name: t.name, category: t.category },
      source: t.source,
      confidence: Number(t.confidence),
      assignedAt: iso(t.assigned_at),
      expiresAt: iso(t.expires_at),
    })),
    holdings: {
      totalCount: holdings.length > 0 ? holdings[0].total : 0,
      edges: holdings.slice(0, 10).map((h) => ({
        node: {
          id: h.id,
          accountNo: maskAccountNo(h.account_no),
          balance: h.balance,
          currency: h.currency,
          openedAt: h.opened_on,
          maturityDate: h.maturity_date,
          status: h.status,
          product: product(h),
        },
      })),
      pageInfo: { hasNextPage: holdings.length > 10 },
    },
    interactions: {
      edges: interactions.slice(0, 10).map((i) => ({
        node: {
          id: i.id,
          channel: i.channel,
          type: i.type,
          occurredAt: iso(i.occurred_at),
          summary: i.summary,
          outcome: i.outcome,
        },
      })),
      pageInfo: { hasNextPage: interactions.length > 10 },
    },
    campaignEnrollments: enrollments.map((e) => ({
      status: e.status,
      channel: e.channel,
      campaign: { id: e.id, code: e.code, name: e.name, status: e.campaign_status },
    })),
    riskProfile: risk
      ? {
          riskTolerance: risk.risk_tolerance,
          assessedAt: iso(risk.assessed_at),
          validUntil: risk.valid_until,
          creditGrade: risk.credit_grade,
        }
      : null,
  };
}

const W2_PAGE = `
SELECT c.id, c.customer_no, c.name, c.city, c.tier, c.lifecycle_stage FROM customer c
WHERE c.tier = $1 AND NOT c.personalised_marketing_withdrawn
  AND EXISTS (SELECT 1 FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id
              WHERE ct.customer_id = c.id AND t.code = $2 AND (ct.expires_at IS NULL OR ct.expires_at > now()))
ORDER BY c.customer_no LIMIT 51`;
const W2_TAGS = TAGS('');
const W2_HOLDINGS = `
SELECT x.id AS customer_id, h.id, h.currency, h.opened_on, h.status, p.code, p.name, p.type, p.risk_level
FROM unnest($1::uuid[]) AS x(id)
CROSS JOIN LATERAL (SELECT * FROM holding WHERE customer_id = x.id ORDER BY opened_on DESC, id DESC LIMIT 10) h
JOIN product p ON p.id = h.product_id
ORDER BY x.id, h.opened_on DESC, h.id DESC`;

function byCustomer(list: Row[]): Map<string, Row[]> {
  const map = new Map<string, Row[]>();
  for (const row of list) {
    const rowsOf = map.get(row.customer_id);
    if (rowsOf) rowsOf.push(row);
    else map.set(row.customer_id, [row]);
  }
  return map;
}

/** W2 as a marketing analyst: a page of 50 customers of a tier and tag, names masked. */
export async function w2FromRows(pool: Pool, tier: string, tag: string): Promise<Row> {
  const page = await rows(pool, 'r2-page', W2_PAGE, [tier, tag]);
  const ids = page.slice(0, 50).map((c) => c.id);
  const [tags, holdings] = await Promise.all([
    rows(pool, 'r2-tags', W2_TAGS, [ids]).then(byCustomer),
    rows(pool, 'r2-holdings', W2_HOLDINGS, [ids]).then(byCustomer),
  ]);
  return {
    customers: {
      edges: page.slice(0, 50).map((c) => ({
        node: {
          id: c.id,
          customerNo: c.customer_no,
          name: maskName(c.name),
          city: c.city,
          tier: c.tier,
          lifecycleStage: c.lifecycle_stage,
          tags: (tags.get(c.id) ?? []).map((t) => ({
            tag: { code: t.code, name: t.name, category: t.category },
            source: t.source,
            confidence: Number(t.confidence),
          })),
          holdings: {
            edges: (holdings.get(c.id) ?? []).map((h) => ({
              node: { id: h.id, currency: h.currency, openedAt: h.opened_on, status: h.status, product: product(h) },
            })),
          },
        },
      })),
      pageInfo: { hasNextPage: page.length > 50 },
    },
  };
}
