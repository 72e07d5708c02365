import { column, referenced, TypeProjection } from '../../db/json-projection';

/** A row of branch (db/json-projection.ts). */
const BRANCH_PROJECTION: TypeProjection = {
  type: 'Branch',
  fields: { id: column('id'), code: column('code'), name: column('name'), city: column('city') },
};

/** A row of staff, as a customer's relationship manager. */
const RELATIONSHIP_MANAGER_PROJECTION: TypeProjection = {
  type: 'RelationshipManager',
  fields: { id: column('id'), name: column('name') },
};

/** Customer.branch and Customer.relationshipManager of a customer row. */
export const customerBranchJson = referenced(BRANCH_PROJECTION, 'branch', 'branch_id');
export const customerManagerJson = referenced(RELATIONSHIP_MANAGER_PROJECTION, 'staff', 'relationship_manager_id');
