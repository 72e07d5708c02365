import DataLoader from 'dataloader';
import { DataSource, In } from 'typeorm';
import type { Config } from '../../config';
import { byKey } from '../../db/batch';
import { CustomerEntity } from './customer.entity';
import { toCustomer } from './customer.mapper';
import { Customer } from './customer.type';

export function createCustomerLoaders(ds: DataSource, config: Config, today: string) {
  const repo = ds.getRepository(CustomerEntity);
  const toNode = (row: CustomerEntity) => toCustomer(row, today, config.segmentation);
  return {
    byId: new DataLoader<string, Customer | null>(async (ids) => {
      const rows = await repo.find({ where: { id: In([...ids]) } });
      return byKey(ids, rows.map(toNode), (c) => c.id);
    }),
    byNumber: new DataLoader<string, Customer | null>(async (numbers) => {
      const rows = await repo.find({ where: { customerNo: In([...numbers]) } });
      return byKey(numbers, rows.map(toNode), (c) => c.customerNo);
    }),
  };
}
