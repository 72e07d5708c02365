/**
 * What one request read in full, per customer, kept until the response is
 * about to leave: then it becomes one audit record per customer, written in
 * one statement (see audit.plugin.ts).
 */
export class AuditTrail {
  private readonly fieldsByCustomer = new Map<string, Set<string>>();
  private selected: ReadonlyMap<string, ReadonlySet<string>> = new Map();

  /**
   * The fields the operation selects, per GraphQL type, known once the
   * document is parsed: a field the client did not ask for is not a read,
   * even if its loader had it.
   */
  select(selected: ReadonlyMap<string, ReadonlySet<string>>): void {
    this.selected = selected;
  }

  /** Notes that `customerId`'s object of `type` was returned with these fields in full. */
  noteFullRead(customerId: string, type: string, fullSensitiveFields: readonly string[]): void {
    const selected = this.selected.get(type);
    if (!selected || fullSensitiveFields.length === 0) return;
    for (const field of fullSensitiveFields) {
      if (!selected.has(field)) continue;
      let fields = this.fieldsByCustomer.get(customerId);
      if (!fields) this.fieldsByCustomer.set(customerId, (fields = new Set()));
      fields.add(field);
    }
  }

  entries(): { customerId: string; fields: string[] }[] {
    return [...this.fieldsByCustomer].map(([customerId, fields]) => ({ customerId, fields: [...fields].sort() }));
  }
}
