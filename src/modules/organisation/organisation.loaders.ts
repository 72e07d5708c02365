import DataLoader from 'dataloader';
import { DataSource, In } from 'typeorm';
import { byKey } from '../../db/batch';
import { BranchEntity } from './branch.entity';
import { StaffEntity } from './staff.entity';
import { Branch, RelationshipManager } from './organisation.type';

export function createOrganisationLoaders(ds: DataSource) {
  return {
    branch: new DataLoader<string, Branch | null>(async (ids) => {
      const rows = await ds.getRepository(BranchEntity).find({ where: { id: In([...ids]) } });
      return byKey(ids, rows, (b) => b.id);
    }),
    staff: new DataLoader<string, RelationshipManager | null>(async (ids) => {
      const rows = await ds
        .getRepository(StaffEntity)
        .find({ select: { id: true, name: true }, where: { id: In([...ids]) } });
      return byKey(ids, rows, (s) => s.id);
    }),
  };
}
