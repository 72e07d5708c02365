import type { AuditTrail } from '../modules/audit/audit-trail';
import type { RequestPrivacy } from './request-privacy';
import type { RowScope } from './row-scope';

/** What a loader needs to know about the caller to hand out rows. */
export interface CallerView {
  today: string;
  privacy: RequestPrivacy;
  scope: RowScope;
  audit: AuditTrail;
}

/**
 * Turns loaded objects into what the caller may see, in one pass per object,
 * through the plan of the customer each belongs to: masks and denials in
 * place, and each sensitive field the caller reads in full replaced by a
 * function that returns the value and notes the read. graphql-js's default
 * resolver calls it only when the field is really resolved, so the audit
 * lists exactly what left (not what an unexecuted operation, a @skip or
 * another alias selected). Every loader of private data ends here.
 */
export function viewAs<T extends object>(
  caller: CallerView,
  type: string,
  objects: T[],
  customerIdOf: (o: T) => string,
): T[] {
  for (const object of objects) {
    const customerId = customerIdOf(object);
    const plan = caller.privacy.ofCustomer(customerId);
    plan.apply(type, object);
    const target = object as Record<string, unknown>;
    for (const field of plan.fullSensitiveFields(type)) {
      const value = target[field];
      target[field] = () => {
        caller.audit.noteRead(customerId, field);
        return value;
      };
    }
  }
  return objects;
}
