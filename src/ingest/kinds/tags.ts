import { TagSource } from '../../modules/tag/tag.enums';
import { confidence, identifier, instant, oneOf } from '../fields';
import { KindSpec, mustExist, optional, required } from '../kind';

/**
 * A customer's tags from people (MANUAL) and models (MODEL), by customer and
 * tag code; the tag must be in the catalogue. RULE tags are segmentation's
 * to derive and are refused.
 */
export const tags: KindSpec = {
  name: 'tags',
  columns: [
    required('customer_no', 'text', identifier(32)),
    required('tag_code', 'text', identifier(64)),
    required('source', 'text', oneOf(TagSource)),
    optional('confidence', 'numeric', confidence),
    required('assigned_at', 'timestamptz', instant),
    optional('expires_at', 'timestamptz', instant),
  ],
  naturalKey: ['customer_no', 'tag_code'],
  rowRules: [
    (row) =>
      row.source === TagSource.RULE
        ? ['source', 'RULE tags are derived by segmentation; load MANUAL or MODEL']
        : undefined,
    (row) =>
      row.expires_at !== undefined && (row.expires_at as string) <= (row.assigned_at as string)
        ? ['expires_at', 'must be after assigned_at']
        : undefined,
  ],
  checks: [
    mustExist('customer_no', 'customer', 'customer_no', 'no customer has this number'),
    mustExist('tag_code', 'tag', 'code', 'not in the tag catalogue'),
  ],
  upsert: {
    table: 'customer_tag',
    conflict: '(customer_id, tag_id)',
    joins: 'JOIN customer c ON c.customer_no = s.customer_no JOIN tag tg ON tg.code = s.tag_code',
    current: 'cur.customer_id = c.id AND cur.tag_id = tg.id',
    values: {
      customer_id: 'c.id',
      tag_id: 'tg.id',
      source: 's.source',
      confidence: 'coalesce(s.confidence, 1)',
      assigned_at: 's.assigned_at',
      expires_at: 's.expires_at',
    },
    key: ['customer_id', 'tag_id'],
  },
};
