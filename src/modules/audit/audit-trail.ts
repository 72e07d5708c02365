/**
 * What one request returned in full, per customer, kept until the response
 * is about to leave: then it becomes one audit record per customer, written
 * in one statement (see audit.plugin.ts). Reads are noted as fields resolve
 * (see privacy/caller-view.ts).
 */
export class AuditTrail {
  private readonly fieldsByCustomer = new Map<string, Set<string>>();

  noteRead(customerId: string, field: string): void {
    let fields = this.fieldsByCustomer.get(customerId);
    if (!fields) this.fieldsByCustomer.set(customerId, (fields = new Set()));
    fields.add(field);
  }

  entries(): { customerId: string; fields: string[] }[] {
    return [...this.fieldsByCustomer].map(([customerId, fields]) => ({ customerId, fields: [...fields].sort() }));
  }
}
