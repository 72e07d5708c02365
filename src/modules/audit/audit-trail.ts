/** What one request was refused: its audit record's detail.refusals. */
export interface AuditedRefusals {
  fields: string[];
  filters: string[];
  operations: string[];
}

/** One argument of an audited filter, as the audit record keeps it (a search text already as its keyed hash). */
export interface AuditedFilterArgument {
  name: string;
  values: string[];
}

/**
 * A filter that read sensitive fields (PRODUCT.md §3): which fields, its
 * arguments, and how many customers it matched. `matched` is a function
 * because the count may not be known until the response is complete (see
 * CustomerService.page).
 */
export interface FilterRead {
  fields: string[];
  arguments: AuditedFilterArgument[];
  matched: () => Promise<number>;
}

/**
 * What one request returned in full, per customer, and the sensitive filters
 * it ran, kept until the response is about to leave: then they become one
 * audit record per customer and one per filter, written in one statement
 * (see audit.plugin.ts). Reads are noted as fields resolve (see
 * privacy/caller-view.ts), filters as their query runs.
 */
export class AuditTrail {
  private readonly fieldsByCustomer = new Map<string, Set<string>>();
  private readonly filterReads: FilterRead[] = [];
  private readonly refused = { fields: new Set<string>(), filters: new Set<string>(), operations: new Set<string>() };

  noteRead(customerId: string, field: string): void {
    let fields = this.fieldsByCustomer.get(customerId);
    if (!fields) this.fieldsByCustomer.set(customerId, (fields = new Set()));
    fields.add(field);
  }

  noteFilter(filter: FilterRead): void {
    this.filterReads.push(filter);
  }

  /** A field answered FORBIDDEN (`Type.field`), however many rows it was refused on. */
  noteRefusedField(type: string, field: string): void {
    this.refused.fields.add(`${type}.${field}`);
  }

  /** A filter argument refused because it would read a field the caller may not read in full (`filter.aumMin`). */
  noteRefusedFilter(argument: string): void {
    this.refused.filters.add(argument);
  }

  /** A root field the operation policy refused the caller (`Mutation.enrollCustomers`). */
  noteRefusedOperation(root: string, field: string): void {
    this.refused.operations.add(`${root}.${field}`);
  }

  /** What the request was refused, each list sorted; null when nothing was. */
  refusals(): AuditedRefusals | null {
    const { fields, filters, operations } = this.refused;
    if (fields.size + filters.size + operations.size === 0) return null;
    return { fields: [...fields].sort(), filters: [...filters].sort(), operations: [...operations].sort() };
  }

  entries(): { customerId: string; fields: string[] }[] {
    return [...this.fieldsByCustomer].map(([customerId, fields]) => ({ customerId, fields: [...fields].sort() }));
  }

  filters(): readonly FilterRead[] {
    return this.filterReads;
  }

  get isEmpty(): boolean {
    return this.fieldsByCustomer.size === 0 && this.filterReads.length === 0 && this.refusals() === null;
  }
}
