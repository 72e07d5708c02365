import { DataSource } from 'typeorm';
import type { PageRequest } from '../../common/pagination';
import type { ContactCapSettings } from '../../config';
import { loadersByArgs } from '../../db/loaders-by-args';
import { RelationLoader } from '../../db/parent-relations';
import { businessDateStartSql, capPeriod, customerUsageSql, nextReset, remainingContacts } from './contact-caps';
import type { ContactAllowance } from './contact-allowance';
import { Interaction } from './interaction.type';

/** Position in a customer's interactions, newest first: [occurredAt ISO, id]. */
export type InteractionKey = [string, string];

type InteractionJson = Omit<Interaction, 'occurredAt'> & { occurredAt: string };

export function createInteractionLoaders(ds: DataSource, caps: ContactCapSettings) {
  // Fixed for the request, so that every customer's allowance is counted over the same day and month.
  const period = capPeriod(new Date(), caps.timeZone);
  return {
    /** Same shape as holdings: bounded by page size however long the history. */
    pageByCustomer: loadersByArgs(
      (page: PageRequest<InteractionKey>) =>
        new RelationLoader<Interaction[]>(ds, {
          subquery: (params) => {
            const after = page.after
              ? `AND (i.occurred_at, i.id) < (${params.bind(page.after[0], 'timestamptz')}, ${params.bind(page.after[1], 'uuid')})`
              : '';
            return `SELECT coalesce(json_agg(json_build_object(
                      'id', i.id, 'channel', i.channel, 'type', i.type, 'occurredAt', i.occurred_at,
                      'summary', i.summary, 'outcome', i.outcome,
                      'complianceFlags', i.compliance_flags)
                    ORDER BY i.occurred_at DESC, i.id DESC), '[]')
              FROM (SELECT * FROM interaction i WHERE i.customer_id = parent.id ${after}
                    ORDER BY i.occurred_at DESC, i.id DESC LIMIT ${params.bind(page.limit + 1, 'int')}) i`;
          },
          decode: (rows) =>
            (rows as InteractionJson[]).map((row) => ({ ...row, occurredAt: new Date(row.occurredAt) })),
        }),
    ),

    countByCustomer: new RelationLoader<number>(ds, {
      subquery: () => 'SELECT count(*)::int FROM interaction i WHERE i.customer_id = parent.id',
      decode: Number,
    }),

    /** What remains of the contact caps now (contact-caps.ts); a relation, so a page or a 360° read adds no statement. */
    allowanceByCustomer: new RelationLoader<ContactAllowance | null>(ds, {
      subquery: (params) =>
        `SELECT json_build_object('tier', cu.tier, 'today', cu.today, 'thisMonth', cu."thisMonth",
                  'nextDay', ${businessDateStartSql(params.bind, period.nextDay, caps.timeZone)},
                  'nextMonth', ${businessDateStartSql(params.bind, period.nextMonth, caps.timeZone)})
         FROM (${customerUsageSql(params.bind, caps, period, 'parent.id')}) cu`,
      decode: (json) => {
        if (json === null) return null;
        const row = json as { tier: string; today: number; thisMonth: number; nextDay: string; nextMonth: string };
        const remaining = remainingContacts(caps, row.tier, row);
        return {
          remainingToday: remaining.today,
          remainingThisMonth: remaining.thisMonth,
          resetsAt: new Date(nextReset(remaining, row)),
        };
      },
    }),
  };
}
