import DataLoader from 'dataloader';
import { DataSource } from 'typeorm';
import { groupByKey } from '../../db/batch';
import { CustomerTag } from './tag.type';

export function createTagLoaders(ds: DataSource) {
  return {
    /** A customer's current tags with their catalogue entry, in one join for the whole batch. */
    byCustomer: new DataLoader<string, CustomerTag[]>(async (customerIds) => {
      // Plain SQL: a page of 50 customers brings about 250 rows, and entity hydration was most of their cost.
      const rows: (CustomerTag & { customerId: string; confidence: string | number })[] = await ds.query(
        `SELECT ct.customer_id AS "customerId", ct.source, ct.confidence, ct.assigned_at AS "assignedAt",
                ct.expires_at AS "expiresAt", json_build_object('id', t.id, 'code', t.code, 'name', t.name, 'category', t.category) AS tag
         FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id
         WHERE ct.customer_id = ANY($1::uuid[]) AND (ct.expires_at IS NULL OR ct.expires_at > now())
         ORDER BY ct.customer_id, t.code`,
        [customerIds],
      );
      for (const row of rows) row.confidence = Number(row.confidence);
      return groupByKey(customerIds, rows as (CustomerTag & { customerId: string })[], (t) => t.customerId);
    }),
  };
}
