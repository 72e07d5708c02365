import type { AuditTrail } from '../modules/audit/audit-trail';
import type { Keyring, KeyScope, Queryable } from './encryption/keyring';
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
 * such a request is left to it. Fields stored encrypted travel as their
 * ciphertext and are opened in Node (open), before any mask.
 */
export class JsonPlan {
  private readonly masks: { key: string; mask: Mask }[] = [];
  private readonly sealed: SealedKey[] = [];
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

  /**
   * The value under `key` is the ciphertext of `scope`'s `column`, or (with
   * `prefixed`) a pair [plain prefix, ciphertext] opened into their concatenation (an address and its street).
   */
  seal(key: string, scope: KeyScope, column: string, prefixed = false): void {
    this.sealed.push({ key, scope, column, prefixed });
  }

  /**
   * Decrypts the sealed values of the parsed answer in place, each column's
   * values in one pass of the keyring (which reads a data key only when it
   * does not hold it yet). Runs before apply: masks work on plain values.
   */
  async open(value: unknown, keyring: Keyring, db: Queryable): Promise<void> {
    const found = new Map<string, { scope: KeyScope; column: string; cells: SealedCell[] }>();
    this.collectSealed(value, found);
    for (const { scope, column, cells } of found.values()) {
      await keyring.open(db, scope, cells, { [column]: 'value' });
      for (const cell of cells) cell.write(cell.value);
    }
  }

  private collectSealed(value: unknown, found: Map<string, { scope: KeyScope; column: string; cells: SealedCell[] }>) {
    if (typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) {
      for (const item of value) this.collectSealed(item, found);
      return;
    }
    const object = value as Record<string, unknown>;
    for (const { key, scope, column, prefixed } of this.sealed) {
      const stored = object[key];
      if (stored == null) continue;
      const group = `${scope}.${column}`;
      if (!found.has(group)) found.set(group, { scope, column, cells: [] });
      const [prefix, ciphertext] = prefixed ? (stored as [string, string | null]) : ['', stored as string];
      found.get(group)!.cells.push({
        value: ciphertext,
        write: (plain) => (object[key] = plain === null ? null : prefix + plain),
      });
    }
    for (const { key, plan } of this.children) plan.collectSealed(object[key], found);
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

interface SealedKey {
  key: string;
  scope: KeyScope;
  column: string;
  prefixed: boolean;
}

/** One stored value to decrypt (keyring.open decrypts `value` in place), and where its plain value goes. */
interface SealedCell {
  value: string | null;
  write(plain: string | null): void;
}
