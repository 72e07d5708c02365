import { DataSource } from 'typeorm';
import { RelationLoader } from '../../db/parent-relations';
import { CustomerTag, Tag } from './tag.type';

/** One tag of a customer as the relation's JSON carries it: positional, since keys were a third of its bytes. */
type TagTuple = [
  id: string,
  code: string,
  name: string,
  category: Tag['category'],
  source: CustomerTag['source'],
  confidence: number,
  assignedAt: string,
  expiresAt: string | null,
];

export function createTagLoaders(ds: DataSource) {
  return {
    /** A customer's current tags with their catalogue entry. */
    byCustomer: new RelationLoader<CustomerTag[]>(ds, {
      subquery: () =>
        `SELECT coalesce(json_agg(json_build_array(
                  t.id, t.code, t.name, t.category, ct.source, ct.confidence, ct.assigned_at, ct.expires_at)
                ORDER BY t.code), '[]')
         FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id
         WHERE ct.customer_id = parent.id AND (ct.expires_at IS NULL OR ct.expires_at > now())`,
      decode: (tags) =>
        (tags as TagTuple[]).map(([id, code, name, category, source, confidence, assignedAt, expiresAt]) => ({
          tag: { id, code, name, category },
          source,
          confidence,
          // Instants arrive as ISO text.
          assignedAt: new Date(assignedAt),
          expiresAt: expiresAt === null ? null : new Date(expiresAt),
        })),
    }),
  };
}
