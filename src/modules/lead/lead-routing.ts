import type { EntityManager } from 'typeorm';

/** Who works a lead: a relationship manager (and their branch), or a branch alone; nothing when it is unrouted. */
export interface LeadRoute {
  assigneeId: string | null;
  branchId: string | null;
}

export const UNROUTED: LeadRoute = { assigneeId: null, branchId: null };

/** An existing customer's lead goes to their relationship manager, or to their branch when they have none. */
export function customerRoute(customer: { relationshipManagerId: string | null; branchId: string }): LeadRoute {
  return { assigneeId: customer.relationshipManagerId, branchId: customer.branchId };
}

/**
 * A prospect's lead goes, in turn, to the relationship managers of the
 * branches in its city (branch.city, as written there); a relationship
 * manager is a staff member who holds a book of customers. Picking the
 * manager and taking the city's turn are one statement: the turn counter's
 * row lock (INSERT ... ON CONFLICT DO UPDATE) makes two registrations at
 * once take consecutive turns, never the same one. The counter moves only
 * when the city has a manager. Managers are ordered by id, so a manager who
 * joins or leaves shifts the rotation, but every turn still lands on
 * someone in the city.
 */
export async function cityRoute(em: EntityManager, city: string): Promise<LeadRoute | null> {
  const [row]: { assigneeId: string; branchId: string }[] = await em.query(
    `WITH managers AS (
       SELECT s.id, s.branch_id, row_number() OVER (ORDER BY s.id) - 1 AS i, count(*) OVER () AS n
       FROM staff s JOIN branch b ON b.id = s.branch_id
       WHERE b.city = $1 AND EXISTS (SELECT 1 FROM customer c WHERE c.relationship_manager_id = s.id)
     ), turn AS (
       INSERT INTO lead_routing_turn AS t (city, turn)
       SELECT $1, 0 WHERE EXISTS (SELECT 1 FROM managers)
       ON CONFLICT (city) DO UPDATE SET turn = t.turn + 1
       RETURNING turn
     )
     SELECT m.id AS "assigneeId", m.branch_id AS "branchId" FROM managers m, turn WHERE m.i = turn.turn % m.n`,
    [city],
  );
  return row ?? null;
}

/** The configured fallback branch (LEAD_FALLBACK_BRANCH, a branch code); unrouted when unset or unknown. */
export async function fallbackRoute(em: EntityManager, branchCode: string | null): Promise<LeadRoute> {
  if (branchCode === null) return UNROUTED;
  const [branch]: { id: string }[] = await em.query(`SELECT id FROM branch WHERE code = $1`, [branchCode]);
  return branch ? { assigneeId: null, branchId: branch.id } : UNROUTED;
}
