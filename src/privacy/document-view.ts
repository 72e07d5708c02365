import type { AuditTrail } from '../modules/audit/audit-trail';
import type { AccessPlan } from './access-plan';
import type { CustomerOwnership, RequestPrivacy } from './request-privacy';

/**
 * The policy applied to a document built for one customer (dataSubjectExport)
 * rather than to objects graphql-js resolves field by field: the same plan
 * (the caller's columns that cover this customer), the same masks, the same
 * read audit. A field the plan denies, or one it does not name, is left out
 * and listed in `withheld`, so a section added to the document later is
 * private until the policy gives it a row.
 */
export class DocumentView {
  private readonly plan: AccessPlan;
  private readonly withheldFields = new Set<string>();

  constructor(
    privacy: RequestPrivacy,
    private readonly customer: CustomerOwnership,
    private readonly audit: AuditTrail,
  ) {
    this.plan = privacy.decidePlanFor(customer);
  }

  /**
   * `value` read as an object of GraphQL type `type`. `readAs` names the
   * field a key is read as when it has none of its own (a holding's daily
   * balances are its balance over time); such a key is kept only where that
   * field is read in full, since a mask is written for the field's own value.
   * `maskInputs` are what a mask needs besides the value (the address mask
   * keeps province, city and district) and never reach the document.
   */
  object(
    type: string,
    value: Record<string, unknown>,
    options: { readAs?: Record<string, string>; maskInputs?: Record<string, unknown> } = {},
  ): Record<string, unknown> {
    const masked = this.plan.apply(type, { ...value, ...options.maskInputs }) as Record<string, unknown>;
    const sensitive = this.plan.fullSensitiveFields(type);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const field = options.readAs?.[key] ?? key;
      const access = this.plan.access(type, field);
      if (access === 'D' || (access === 'M' && field !== key)) {
        this.withheldFields.add(`${type}.${field}`);
        continue;
      }
      out[key] = field === key ? masked[key] : value[key];
      if (access === 'F' && sensitive.includes(field) && value[key] != null)
        this.audit.noteRead(this.customer.id, field);
    }
    return out;
  }

  objects(type: string, values: Record<string, unknown>[], options?: Parameters<DocumentView['object']>[2]) {
    return values.map((value) => this.object(type, value, options));
  }

  /** `Type.field` of everything left out, sorted. */
  get withheld(): string[] {
    return [...this.withheldFields].sort();
  }
}
