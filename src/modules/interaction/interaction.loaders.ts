import DataLoader from 'dataloader';
import { DataSource } from 'typeorm';
import type { PageRequest } from '../../common/pagination';
import { groupByKey } from '../../db/batch';
import { countsByKey, loadersByArgs } from '../../db/loaders-by-args';
import { Interaction } from './interaction.type';

/** Position in a customer's interactions, newest first: [occurredAt ISO, id]. */
export type InteractionKey = [string, string];

export interface InteractionRow extends Interaction {
  customerId: string;
}

export function createInteractionLoaders(ds: DataSource) {
  return {
    /** Same lateral shape as holdings: bounded by page size however long the history. */
    pageByCustomer: loadersByArgs(
      (page: PageRequest<InteractionKey>) =>
        new DataLoader<string, InteractionRow[]>(async (customerIds) => {
          const params: unknown[] = [customerIds, page.limit + 1];
          let after = '';
          if (page.after) {
            params.push(...page.after);
            after = 'AND (i.occurred_at, i.id) < ($3::timestamptz, $4::uuid)';
          }
          const rows: InteractionRow[] = await ds.query(
            `SELECT i.id, i.customer_id AS "customerId", i.channel, i.type, i.occurred_at AS "occurredAt", i.summary, i.outcome
           FROM unnest($1::uuid[]) AS parent(id)
           CROSS JOIN LATERAL (
             SELECT * FROM interaction i WHERE i.customer_id = parent.id ${after}
             ORDER BY i.occurred_at DESC, i.id DESC LIMIT $2
           ) i`,
            params,
          );
          return groupByKey(customerIds, rows, (r) => r.customerId);
        }),
    ),

    countByCustomer: new DataLoader<string, number>(async (customerIds) => {
      const rows = await ds.query(
        `SELECT customer_id AS key, count(*)::int AS count FROM interaction WHERE customer_id = ANY($1::uuid[]) GROUP BY 1`,
        [customerIds],
      );
      return countsByKey(customerIds, rows);
    }),
  };
}
