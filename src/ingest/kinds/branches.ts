import { identifier, text, uuid } from '../fields';
import { KindSpec, repeatedInLoad, required } from '../kind';

/** Branches by their code; `branch_id` is the id tokens carry as `branchId`, fixed once loaded. */
export const branches: KindSpec = {
  name: 'branches',
  columns: [
    required('branch_id', 'uuid', uuid),
    required('code', 'text', identifier(32)),
    required('name', 'text', text(100)),
    required('city', 'text', text(50)),
  ],
  naturalKey: ['code'],
  checks: [
    {
      reason: 'branch_id: already the id of another branch code',
      where: `EXISTS (SELECT 1 FROM branch b WHERE b.id = s.branch_id AND b.code <> s.code)`,
    },
    {
      reason: 'branch_id: this branch code already has another id',
      where: `EXISTS (SELECT 1 FROM branch b WHERE b.code = s.code AND b.id <> s.branch_id)`,
    },
    repeatedInLoad('branch_id', 'branch_id: an earlier row of this load gives it to another branch code'),
  ],
  upsert: {
    table: 'branch',
    conflict: '(code)',
    current: 'cur.code = s.code',
    values: { id: 's.branch_id', code: 's.code', name: 's.name', city: 's.city' },
    key: ['id', 'code'],
  },
};
