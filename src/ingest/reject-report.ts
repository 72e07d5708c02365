import { rename, rm, writeFile } from 'node:fs/promises';

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * The rows a load refused, as CSV in row order: `row,key,reason`, where row
 * is the record's number in the file, key its natural key (empty when the
 * key columns themselves were missing or malformed) and reason
 * `column: rule`. Never a row's other values: they may be a customer's
 * name, phone or ID number. Written beside its path before the load
 * commits (a report that cannot be written fails the load) and put in place
 * once it has, so a failed load leaves no report behind.
 */
export class RejectReport {
  private readonly rows: number[] = [];
  private readonly lines: string[] = [];

  constructor(readonly path: string) {}

  get count(): number {
    return this.rows.length;
  }

  /** Rows must arrive in ascending order, and so must the rows given to `write`. */
  add(rowNo: number, key: string | null, reason: string): void {
    this.rows.push(rowNo);
    this.lines.push(`${rowNo},${csvField(key ?? '')},${csvField(reason)}\n`);
  }

  private get pending(): string {
    return `${this.path}.partial`;
  }

  /** Writes the report, with `more` rejects (in row order) merged in, beside its path until `publish`. */
  async write(more: ReadonlyArray<{ rowNo: number; key: string; reason: string }>): Promise<void> {
    const out: string[] = ['row,key,reason\n'];
    let i = 0;
    for (const reject of more) {
      while (i < this.rows.length && this.rows[i] < reject.rowNo) out.push(this.lines[i++]);
      out.push(`${reject.rowNo},${csvField(reject.key)},${csvField(reject.reason)}\n`);
    }
    while (i < this.lines.length) out.push(this.lines[i++]);
    this.rows.push(...more.map((r) => r.rowNo));
    await writeFile(this.pending, out.join(''));
  }

  async publish(): Promise<void> {
    await rename(this.pending, this.path);
  }

  async discard(): Promise<void> {
    await rm(this.pending, { force: true });
  }
}
