/**
 * The three workloads of the benchmark (issue 6), as their clients send them.
 * The raw-SQL baseline answers W1 and W2 with the same JSON.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import partnerManifest from '../persisted-queries/partner.json';

/** W1: one customer's 360° view, as their relationship manager. */
export const W1_CUSTOMER_360 = `query Customer360($id: ID!) {
  customer(id: $id) {
    id customerNo name gender birthDate idNumber phone email address city
    tier lifecycleStage aum kycStatus
    branch { id code name }
    relationshipManager { id name }
    tags { tag { code name category } source confidence assignedAt expiresAt }
    holdings(first: 10) {
      totalCount
      edges { node { id accountNo balance currency openedAt maturityDate status product { code name type riskLevel } } }
      pageInfo { hasNextPage }
    }
    interactions(first: 10) {
      edges { node { id channel type occurredAt summary outcome } }
      pageInfo { hasNextPage }
    }
    campaignEnrollments { status channel campaign { id code name status } }
    riskProfile { riskTolerance assessedAt validUntil creditGrade }
  }
}`;

/** W2: a page of 50 customers by tier and tag, with tags and holdings, as a marketing analyst (names masked). */
export const W2_SEGMENT_PAGE = `query SegmentPage($tier: Tier!, $tag: String!) {
  customers(first: 50, filter: { tiers: [$tier], tagCodes: [$tag] }) {
    edges { node {
      id customerNo name city tier lifecycleStage
      tags { tag { code name category } source confidence }
      holdings(first: 10) { edges { node { id currency openedAt status product { code name type riskLevel } } } }
    } }
    pageInfo { hasNextPage }
  }
}`;

/**
 * W3: a partner writes back an interaction. The text is taken from the generated safelist, since
 * in production mode a partner may send only a registered operation, byte for byte.
 */
export const W3_RECORD_INTERACTION = partnerManifest.operations.find((op) => op.name === 'RecordInteraction')!.body;

/** Staff subjects are UUIDs (PRODUCT.md §2); these readers need no staff row, since they only read. */
export const BENCH_ANALYST_ID = '00000000-0000-4000-8000-0000000000a1';
export const BENCH_AGENT_ID = '00000000-0000-4000-8000-0000000000a2';

/**
 * Production refuses to start without a master key; the benchmarks run in production mode. The seeded
 * template is encrypted under it (its data keys wrapped by it), and the raw baselines decrypt with it too.
 */
export const BENCH_MASTER_KEY = 'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=';

/** Production refuses to start without an audit hash key; the benchmarks run in production mode. */
export const BENCH_AUDIT_HASH_KEY = 'bench-audit-hash-key-bench-audit-hash-key-01';

/** The Ed25519 key a production-mode gateway signs audit digests with (it refuses to start without one); made on first use. */
export function benchAuditSigningKeyFile(): string {
  const file = join(tmpdir(), 'c360-bench-audit-signing-key.pem');
  if (!existsSync(file)) {
    writeFileSync(file, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), {
      mode: 0o600,
    });
  }
  return file;
}
