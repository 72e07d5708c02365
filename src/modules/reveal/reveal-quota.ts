import type { DataSource, EntityManager } from 'typeorm';
import { Role } from '../../auth/roles';
import { addDays, businessToday, startOfBusinessDate } from '../../common/business-date';
import type { RevealSettings } from '../../config';
import { COLUMN_OF_ROLE, RoleColumn } from '../../privacy/policy';

/**
 * The reveal quota: reveals per caller per calendar day in the bank's zone
 * (Asia/Shanghai), not the server's: a reveal at 23:59 in Shanghai counts for
 * that Shanghai day although it is 15:59 UTC, and the quota starts again at
 * the next Shanghai midnight.
 */
export interface QuotaDay {
  /** The business date the reveal counts for. */
  day: string;
  /** When that day's quota ends. */
  resetsAt: Date;
}

export function quotaDay(now: Date, timeZone: string): QuotaDay {
  const day = businessToday(timeZone, now);
  return { day, resetsAt: startOfBusinessDate(addDays(day, 1), timeZone) };
}

/**
 * A caller's quota for one reveal: the largest quota among their roles whose
 * column lets this reveal (a role that may not make it lends no quota to it).
 */
export function dailyQuotaOf(
  settings: RevealSettings,
  roles: readonly Role[],
  revealing: readonly RoleColumn[],
): number {
  const quotas = roles
    .filter((role) => role !== Role.PARTNER && revealing.includes(COLUMN_OF_ROLE[role]))
    .map((role) => settings.dailyQuota[role as Exclude<Role, Role.PARTNER>]);
  return quotas.length ? Math.max(...quotas) : 0;
}

/**
 * Takes one slot of the caller's day, if one is left: one conditional upsert.
 * The row lock orders simultaneous reveals of one caller, and the second
 * re-evaluates `used < quota` on the row the first committed, so two cannot
 * both take the last slot. Returns the slots used after this one, or null
 * when none was left (nothing is changed then).
 */
export async function takeRevealSlot(
  em: EntityManager,
  actorId: string,
  day: string,
  quota: number,
): Promise<number | null> {
  const rows: { used: number }[] = await em.query(
    `INSERT INTO reveal_quota AS q (actor_id, business_date, used)
       SELECT $1, $2::date, 1 WHERE $3::int > 0
     ON CONFLICT (actor_id, business_date) DO UPDATE SET used = q.used + 1 WHERE q.used < $3::int
     RETURNING used`,
    [actorId, day, quota],
  );
  return rows.length ? rows[0].used : null;
}

/** Today's heaviest revealers (for the metric), most reveals first. */
export async function topRevealers(
  db: DataSource,
  day: string,
  limit: number,
): Promise<{ actorId: string; used: number }[]> {
  return db.query(
    `SELECT actor_id AS "actorId", used FROM reveal_quota WHERE business_date = $1::date
     ORDER BY used DESC, actor_id LIMIT $2`,
    [day, limit],
  );
}

/** How many callers revealed anything today, and how many reveals they made. */
export async function revealTotals(db: DataSource, day: string): Promise<{ callers: number; reveals: number }> {
  const [row] = await db.query(
    `SELECT count(*)::int AS callers, coalesce(sum(used), 0)::int AS reveals FROM reveal_quota WHERE business_date = $1::date`,
    [day],
  );
  return row;
}
