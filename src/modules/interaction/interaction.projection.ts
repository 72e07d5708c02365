import { instantAndId } from '../../common/cursor-keys';
import { column, instant, SelectedKey, TypeProjection } from '../../db/json-projection';
import { relationPageJson, RelationPage } from '../../db/json-relation-page';
import type { InteractionKey } from './interaction.loaders';

/** A row of interaction (db/json-projection.ts). */
const INTERACTION_PROJECTION: TypeProjection = {
  type: 'Interaction',
  fields: {
    id: column('id'),
    channel: column('channel'),
    type: column('type'),
    occurredAt: instant('occurred_at'),
    summary: column('summary'),
    outcome: column('outcome'),
    complianceFlags: column('compliance_flags'),
  },
};

/** As the interactions loader pages them (interaction.loaders.ts): latest first. */
const INTERACTIONS_PAGE: RelationPage<InteractionKey> = {
  connection: 'InteractionConnection',
  edge: 'InteractionEdge',
  node: INTERACTION_PROJECTION,
  table: 'interaction',
  parentColumn: 'customer_id',
  order: { column: 'occurred_at', type: 'timestamptz' },
  cursorKey: instantAndId,
};

/** Customer.interactions(first, after) of customer row `row`. */
export const customerInteractionsJson = (selected: SelectedKey, row: string): string =>
  relationPageJson(INTERACTIONS_PAGE, selected, row);
