import { DataSource } from 'typeorm';
import type { PageRequest } from '../../common/pagination';
import { loadersByArgs } from '../../db/loaders-by-args';
import { RelationLoader } from '../../db/parent-relations';
import { Interaction } from './interaction.type';

/** Position in a customer's interactions, newest first: [occurredAt ISO, id]. */
export type InteractionKey = [string, string];

type InteractionJson = Omit<Interaction, 'occurredAt'> & { occurredAt: string };

export function createInteractionLoaders(ds: DataSource) {
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
  };
}
