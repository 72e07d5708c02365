import DataLoader from 'dataloader';
import { DataSource } from 'typeorm';
import { groupByKey } from '../../db/batch';
import { CustomerTagEntity } from './tag.entity';
import { CustomerTag } from './tag.type';

export function createTagLoaders(ds: DataSource) {
  return {
    /** A customer's current tags with their catalogue entry, in one join for the whole batch. */
    byCustomer: new DataLoader<string, CustomerTag[]>(async (customerIds) => {
      const rows = await ds
        .getRepository(CustomerTagEntity)
        .createQueryBuilder('ct')
        .innerJoinAndSelect('ct.tag', 't')
        .where('ct.customer_id = ANY(:ids)', { ids: customerIds })
        .andWhere('(ct.expires_at IS NULL OR ct.expires_at > now())')
        .orderBy('ct.customer_id')
        .addOrderBy('t.code')
        .getMany();
      const tags = rows.map((row) => ({
        customerId: row.customerId,
        tag: row.tag!,
        source: row.source,
        confidence: Number(row.confidence),
        assignedAt: row.assignedAt,
        expiresAt: row.expiresAt,
      }));
      return groupByKey(customerIds, tags, (t) => t.customerId);
    }),
  };
}
