import { DataSource } from 'typeorm';
import { RelationLoader } from '../../db/parent-relations';
import { CustomerTag } from './tag.type';

export function createTagLoaders(ds: DataSource) {
  return {
    /** A customer's current tags with their catalogue entry. */
    byCustomer: new RelationLoader<CustomerTag[]>(ds, {
      subquery: () =>
        `SELECT coalesce(json_agg(json_build_object(
                  'source', ct.source, 'confidence', ct.confidence, 'assignedAt', ct.assigned_at, 'expiresAt', ct.expires_at,
                  'tag', json_build_object('id', t.id, 'code', t.code, 'name', t.name, 'category', t.category))
                ORDER BY t.code), '[]')
         FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id
         WHERE ct.customer_id = parent.id AND (ct.expires_at IS NULL OR ct.expires_at > now())`,
      decode: (tags) =>
        // In place (the parsed JSON is this request's own): instants arrive as ISO text.
        (tags as CustomerTag[]).map((t) => {
          t.assignedAt = new Date(t.assignedAt);
          t.expiresAt = t.expiresAt === null ? null : new Date(t.expiresAt);
          return t;
        }),
    }),
  };
}
