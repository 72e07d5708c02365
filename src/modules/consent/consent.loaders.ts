import DataLoader from 'dataloader';
import { DataSource, In } from 'typeorm';
import { groupByKey } from '../../db/batch';
import { ConsentEntity } from './consent.entity';
import { Consent } from './consent.type';

export function createConsentLoaders(ds: DataSource) {
  return {
    byCustomer: new DataLoader<string, Consent[]>(async (customerIds) => {
      const rows = await ds.getRepository(ConsentEntity).find({
        select: { customerId: true, purpose: true, channel: true, granted: true, updatedAt: true },
        where: { customerId: In([...customerIds]) },
        order: { purpose: 'ASC', channel: 'ASC' },
      });
      return groupByKey(customerIds, rows, (r) => r.customerId);
    }),
  };
}
