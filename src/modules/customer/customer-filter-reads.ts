import { appError } from '../../common/errors';
import type { RequestPrivacy } from '../../privacy/request-privacy';
import type { AuditedFilterArgument } from '../audit/audit-trail';
import { CUSTOMER_FILTER_READS, CustomerFilter } from './customer-filter.input';

/** The service ignores null, an empty list and an empty search: they narrow on nothing. */
function isPresent(value: unknown): boolean {
  return value != null && value !== '' && !(Array.isArray(value) && value.length === 0);
}

export interface SensitiveFilterRead {
  /** Policy field names read through the filter, such as `aum`. */
  fields: string[];
  /** Every argument the filter narrowed on, since the matched count depends on all of them. */
  arguments: AuditedFilterArgument[];
}

/**
 * What a customers filter reads that some role may not read in full, when
 * this caller reads it in full (PRODUCT.md §3: such a filter is a read of the
 * field); null when it reads nothing sensitive. Refuses an argument on a field
 * the caller does not read in full unless CUSTOMER_FILTER_READS says how the
 * query avoids it.
 */
export function sensitiveFilterRead(
  filter: CustomerFilter,
  privacy: RequestPrivacy,
  keyedHash: (text: string) => string,
  refused: (argument: string) => void,
): SensitiveFilterRead | null {
  const present = (Object.keys(CUSTOMER_FILTER_READS) as (keyof CustomerFilter)[]).filter((name) =>
    isPresent(filter[name]),
  );
  const fields = new Set<string>();
  for (const name of present) {
    const rule = CUSTOMER_FILTER_READS[name];
    const [type, field] = rule.reads.split('.');
    if (!privacy.policy.isRestricted(type, field)) continue;
    if (privacy.accessOnEveryRow(type, field) === 'F') fields.add(field);
    else if (!rule.otherwise) {
      refused(`filter.${name}`);
      throw appError('FORBIDDEN', `You may not filter by ${name}: you may not read ${field} in full`, {
        field: `filter.${name}`,
      });
    }
  }
  if (fields.size === 0) return null;
  return {
    fields: [...fields].sort(),
    arguments: present.map((name) => {
      const value = filter[name];
      const values = (Array.isArray(value) ? value : [value]).map(String);
      return { name, values: CUSTOMER_FILTER_READS[name].recordedAs === 'keyedHash' ? values.map(keyedHash) : values };
    }),
  };
}
