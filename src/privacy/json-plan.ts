import type { AuditTrail } from '../modules/audit/audit-trail';
import type { Keyring, KeyScope, Queryable } from './encryption/keyring';
import type { Mask } from './masks';
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
  /** Per object, what the masks of its composite values read (an address mask reads the address's parts). */
  private readonly maskSubjects = new WeakMap<object, Record<string, unknown>>();
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
      if (!mask) return false;
      this.masks.push({ key, mask });
    } else if (plan.fullSensitiveFields(type).includes(field)) this.audited.push(field);
    return true;
  }

  /**
   * The value under `key` is the ciphertext of `scope`'s `column`, or, for a
   * composite value, `[...plain parts, ciphertext]` opened into their
   * concatenation, whose mask reads the parts (an address: province, city
   * and district stored plain, the street sealed).
   */
  seal(key: string, scope: KeyScope, column: string, composite?: CompositeValue): void {
    this.sealed.push({ key, scope, column, composite });
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
    for (const { key, scope, column, composite } of this.sealed) {
      const stored = object[key];
      if (stored == null) continue;
      const group = `${scope}.${column}`;
      if (!found.has(group)) found.set(group, { scope, column, cells: [] });
      let [prefix, ciphertext] = ['', stored as string | null];
      if (composite) {
        const parts = (stored as (string | null)[]).slice(0, -1);
        [prefix, ciphertext] = [parts.join(''), (stored as (string | null)[]).at(-1)!];
        const subject = this.maskSubjects.get(object) ?? {};
        subject[composite.maskReads] = Object.fromEntries(composite.parts.map((part, i) => [part, parts[i]]));
        this.maskSubjects.set(object, subject);
      }
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
    const subject = this.maskSubjects.get(object) ?? object;
    for (const { key, mask } of this.masks) if (object[key] != null) object[key] = mask(object[key], subject);
    if (customerId !== undefined) for (const field of this.audited) audit.noteRead(customerId, field);
    for (const { key, plan } of this.children) plan.apply(object[key], audit, customerId);
  }
}

/** A value made of plain parts and a sealed tail: the parts' names, and the property its mask reads them under. */
export interface CompositeValue {
  parts: readonly string[];
  maskReads: string;
}

interface SealedKey {
  key: string;
  scope: KeyScope;
  column: string;
  composite?: CompositeValue;
}

/** One stored value to decrypt (keyring.open decrypts `value` in place), and where its plain value goes. */
interface SealedCell {
  value: string | null;
  write(plain: string | null): void;
}
