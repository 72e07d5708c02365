import { Role } from './roles';

/** Who is calling, as verified from their token. */
export interface Principal {
  /** Staff: a staff member's UUID in canonical lower-case form (the same value as relationshipManager.id). Partners: the partner id. */
  id: string;
  /** Known roles only; unknown role names in a token are dropped. Never empty; PARTNER never beside a staff role. */
  roles: Role[];
  /** Staff only: the same value as branch.id, lower-case. */
  branchId?: string;
  /** Partners only: what they may write. */
  scopes: string[];
}

/** The one answer to "is this caller a partner?": a token is either a partner's or staff's, never both (PRODUCT.md §2). */
export function isPartner(principal: Pick<Principal, 'roles'>): boolean {
  return principal.roles.includes(Role.PARTNER);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A staff or branch id as it is stored and compared: a UUID in lower case, or undefined for anything else. */
export function canonicalUuid(value: unknown): string | undefined {
  return typeof value === 'string' && UUID.test(value) ? value.toLowerCase() : undefined;
}

/**
 * Whether two staff ids name the same person (maker-checker, a relationship
 * manager's book). UUIDs are case-insensitive; PostgreSQL prints them in
 * lower case while tokens may carry either.
 */
export function sameStaff(a: string | null | undefined, b: string | null | undefined): boolean {
  const left = canonicalUuid(a);
  return left !== undefined && left === canonicalUuid(b);
}
