import { Role } from './roles';

/** Who is calling, as verified from their token. */
export interface Principal {
  /** Staff id (the same value as relationshipManager.id) or partner id. */
  id: string;
  /** Known roles only; unknown role names in a token are dropped. Never empty. */
  roles: Role[];
  /** Staff only: the same value as branch.id. */
  branchId?: string;
  /** Partners only: what they may write. */
  scopes: string[];
}
