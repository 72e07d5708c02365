import { column, instant, SelectedKey, TypeProjection } from '../../db/json-projection';

/** The catalogue entry of row `t` (db/json-projection.ts). */
export const TAG_PROJECTION: TypeProjection = {
  type: 'Tag',
  fields: { id: column('id'), code: column('code'), name: column('name'), category: column('category') },
};

/** A tag on a customer: row `ct` of customer_tag, its catalogue entry `t`. */
export const CUSTOMER_TAG_PROJECTION: TypeProjection = {
  type: 'CustomerTag',
  fields: {
    tag: (selected) => selected.object(TAG_PROJECTION, 't'),
    source: column('source'),
    confidence: column('confidence'),
    assignedAt: instant('assigned_at'),
    expiresAt: instant('expires_at'),
  },
};

/** Customer.tags of customer row `row`: its unexpired tags by code, as its loader reads them (tag.loaders.ts). */
export function customerTagsJson(selected: SelectedKey, row: string): string {
  return `coalesce((SELECT json_agg(${selected.object(CUSTOMER_TAG_PROJECTION, 'ct')} ORDER BY t.code)
    FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id
    WHERE ct.customer_id = ${row}.id AND (ct.expires_at IS NULL OR ct.expires_at > now())), '[]'::json)`;
}
