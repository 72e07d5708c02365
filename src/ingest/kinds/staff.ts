import { identifier, text, uuid } from '../fields';
import { KindSpec, mustExist, repeatedInLoad, required } from '../kind';

/** The staff directory by employee number; `staff_id` is the `sub` of the member's tokens, fixed once loaded. */
export const staff: KindSpec = {
  name: 'staff',
  columns: [
    required('staff_id', 'uuid', uuid),
    required('employee_no', 'text', identifier(32)),
    required('name', 'text', text(50)),
    required('branch_code', 'text', identifier(32)),
    required('title', 'text', text(50)),
  ],
  naturalKey: ['employee_no'],
  checks: [
    mustExist('branch_code', 'branch', 'code', 'no branch has this code'),
    {
      reason: 'staff_id: already the id of another employee_no',
      where: `EXISTS (SELECT 1 FROM staff m WHERE m.id = s.staff_id AND m.employee_no <> s.employee_no)`,
    },
    {
      reason: 'staff_id: this employee_no already has another id',
      where: `EXISTS (SELECT 1 FROM staff m WHERE m.employee_no = s.employee_no AND m.id <> s.staff_id)`,
    },
    repeatedInLoad('staff_id', 'staff_id: an earlier row of this load gives it to another employee_no'),
  ],
  upsert: {
    table: 'staff',
    conflict: '(employee_no)',
    joins: 'JOIN branch b ON b.code = s.branch_code',
    current: 'cur.employee_no = s.employee_no',
    values: { id: 's.staff_id', employee_no: 's.employee_no', name: 's.name', branch_id: 'b.id', title: 's.title' },
    key: ['id', 'employee_no'],
  },
};
