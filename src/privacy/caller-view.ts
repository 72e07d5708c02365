import type { AuditTrail } from '../modules/audit/audit-trail';
import type { AccessPlan } from './access-plan';
import type { RowScope } from './row-scope';

/** What a loader needs to know about the caller to hand out rows. */
export interface CallerView {
  today: string;
  privacy: AccessPlan;
  scope: RowScope;
  audit: AuditTrail;
}

/**
 * Turns loaded objects into what the caller may see, in one pass: the access
 * plan masks and denies, and the audit trail notes which sensitive fields of
 * which customer went out in full. Every loader of private data ends here.
 */
export function viewAs<T extends object>(
  caller: CallerView,
  type: string,
  objects: T[],
  customerIdOf: (o: T) => string,
): T[] {
  const fullSensitive = caller.privacy.fullSensitiveFields(type);
  for (const object of objects) {
    caller.privacy.apply(type, object);
    caller.audit.noteFullRead(customerIdOf(object), type, fullSensitive);
  }
  return objects;
}
