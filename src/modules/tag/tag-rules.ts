import { DataSource, EntityManager } from 'typeorm';
import type { SegmentationThresholds } from '../../config';
import { SENIOR_AGE } from '../customer/segmentation.rules';

/**
 * Rule-based tags (source RULE) as data. Each rule names a tag of the
 * catalogue and a condition on facts the database holds; applying the rules
 * adds the tag where the condition holds and takes back RULE tags where it
 * no longer does. Tags a person or a model assigned (MANUAL, MODEL) are
 * never touched.
 */
export type TagCondition =
  | { kind: 'aumAtLeast'; amount: number }
  | { kind: 'holdsActiveProduct'; productCodes: string[] }
  | { kind: 'ageAtLeast'; years: number };

export interface TagRule {
  tagCode: string;
  when: TagCondition;
}

/**
 * The rules under the configured thresholds: a private-banking prospect is a
 * customer at the private-banking tier's AUM (TIER_PRIVATE_BANKING_MIN_AUM),
 * so the tag and the tier cannot disagree on where private banking starts.
 */
export function tagRules(thresholds: Pick<SegmentationThresholds, 'privateBankingMinAum'>): readonly TagRule[] {
  return [
    { tagCode: 'PRIVATE_BANKING_PROSPECT', when: { kind: 'aumAtLeast', amount: thresholds.privateBankingMinAum } },
    { tagCode: 'MORTGAGE_CUSTOMER', when: { kind: 'holdsActiveProduct', productCodes: ['LN_MORTGAGE'] } },
    { tagCode: 'SENIOR_CUSTOMER', when: { kind: 'ageAtLeast', years: SENIOR_AGE } },
  ];
}

/** The condition as SQL on customer alias `c`, with its parameters from $3 on ($1, $2 are the tag and the customers). */
function conditionSql(when: TagCondition, today: string): { sql: string; params: unknown[] } {
  switch (when.kind) {
    case 'aumAtLeast':
      return { sql: 'c.aum >= $3::numeric', params: [when.amount] };
    case 'holdsActiveProduct':
      // The customers repeated on h: without it the planner hashes every holding of the product
      // (every mortgage in the book) to probe a refresh batch of a few hundred customers.
      return {
        sql: `EXISTS (SELECT 1 FROM holding h JOIN product p ON p.id = h.product_id
                      WHERE h.customer_id = c.id AND ($2::uuid[] IS NULL OR h.customer_id = ANY($2::uuid[]))
                        AND h.status = 'ACTIVE' AND p.code = ANY($3::text[]))`,
        params: [when.productCodes],
      };
    case 'ageAtLeast':
      return { sql: 'extract(year FROM age($4::date, c.birth_date)) >= $3::int', params: [when.years, today] };
  }
}

/**
 * Applies every rule set-based: two statements per rule, whatever the number
 * of customers. Runs after segments are refreshed (AUM is a segment fact).
 * Returns the customers whose RULE tags it added or took back.
 */
export async function applyTagRules(
  db: DataSource | EntityManager,
  today: string,
  thresholds: Pick<SegmentationThresholds, 'privateBankingMinAum'>,
  onlyCustomerIds?: string[],
  rules: readonly TagRule[] = tagRules(thresholds),
): Promise<Set<string>> {
  const changed = new Set<string>();
  for (const rule of rules) {
    const { sql, params: conditionParams } = conditionSql(rule.when, today);
    const params = [rule.tagCode, onlyCustomerIds ?? null, ...conditionParams];
    const added: { customerId: string }[] = await db.query(
      `INSERT INTO customer_tag (customer_id, tag_id, source, confidence, assigned_at)
       SELECT c.id, t.id, 'RULE', 1, now() FROM customer c JOIN tag t ON t.code = $1
       WHERE ($2::uuid[] IS NULL OR c.id = ANY($2::uuid[])) AND ${sql}
       ON CONFLICT (customer_id, tag_id) DO NOTHING
       RETURNING customer_id AS "customerId"`,
      params,
    );
    const removed: { customerId: string }[] = await db.query(
      `WITH removed AS (
         DELETE FROM customer_tag ct USING tag t, customer c
         WHERE t.id = ct.tag_id AND t.code = $1 AND ct.source = 'RULE' AND c.id = ct.customer_id
           AND ($2::uuid[] IS NULL OR c.id = ANY($2::uuid[])) AND NOT (${sql})
         RETURNING ct.customer_id
       )
       SELECT customer_id AS "customerId" FROM removed`,
      params,
    );
    for (const { customerId } of [...added, ...removed]) changed.add(customerId);
  }
  return changed;
}
