import type { AuditTrail } from '../modules/audit/audit-trail';
import { Mask, MASKS } from './masks';
import type { RequestPrivacy } from './request-privacy';

/**
 * The privacy policy for an answer PostgreSQL builds as JSON (a direct read,
 * db/json-projection.ts), compiled while its statement is: per object, the
 * masks on its fields and the sensitive fields read in full (noted for the
 * audit, as the per-object pass notes them), and the same for the objects
 * below it. It asks the same AccessPlan as every other read, and admits a
 * field only where that plan cannot differ from one customer to the next
 * (the caller's columns agree on it) and does not deny it: a denial is a
 * FORBIDDEN error at the field's path, which only the executor produces, so
 * such a request is left to it.
 */
export class JsonPlan {
  private readonly masks: { key: string; mask: Mask }[] = [];
  private readonly audited: string[] = [];
  private readonly children: { key: string; plan: JsonPlan }[] = [];

  /** Whether `type.field`, answered under `key`, may be read directly; notes its mask or audit if so. */
  admit(privacy: RequestPrivacy, type: string, field: string, key: string): boolean {
    if (privacy.shadow) return false; // shadow mode counts differences per field as the executor resolves them
    const access = privacy.callerAccess(type, field);
    if (access === 'D' || access !== privacy.accessOnEveryRow(type, field)) return false;
    const plan = privacy.rootOwner.plan;
    if (access === 'M') {
      const mask = plan.maskOf(type, field);
      // The address mask works on the address's parts, which an answer built as JSON does not carry.
      if (!mask || mask === MASKS.address) return false;
      this.masks.push({ key, mask });
    } else if (plan.fullSensitiveFields(type).includes(field)) this.audited.push(field);
    return true;
  }

  /** The plan of the object (or list of objects) answered under `key`. */
  child(key: string): JsonPlan {
    const plan = new JsonPlan();
    this.children.push({ key, plan });
    return plan;
  }

  /**
   * Masks the parsed answer in place and notes its full reads of the
   * sensitive fields of `customerId` (none for data of no customer, as in the per-object pass).
   */
  apply(value: unknown, audit: AuditTrail, customerId?: string): void {
    if (typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) {
      for (const item of value) this.apply(item, audit, customerId);
      return;
    }
    const object = value as Record<string, unknown>;
    for (const { key, mask } of this.masks) if (object[key] != null) object[key] = mask(object[key], object);
    if (customerId !== undefined) for (const field of this.audited) audit.noteRead(customerId, field);
    for (const { key, plan } of this.children) plan.apply(object[key], audit, customerId);
  }
}
