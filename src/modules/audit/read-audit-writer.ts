import { DataSource } from 'typeorm';
import { preparedQuery } from '../../db/prepared-statements';

export interface ReadAuditRecord {
  actorId: string;
  actorRoles: string[];
  /** Null for a filter's record, which is about no one customer. */
  customerId: string | null;
  fields: string[];
  operationName: string | null;
  requestId: string;
  /** `READ` unless said otherwise (a filter's record is `customers.filter`). */
  operation?: string;
  /** Ids, bounds, hashes and counts; never personal data in clear. */
  detail?: Record<string, unknown> | null;
}

interface Waiting {
  records: ReadAuditRecord[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** A burst is written in statements of at most this many records, each well inside the statement timeout. */
const MAX_BATCH_RECORDS = 1_000;

/**
 * Writes read-audit records with group commit: while one INSERT is in
 * flight, the records of requests that finish meanwhile wait and then go in
 * the next INSERT, together. An idle server writes each request's records at
 * once; a busy one commits (and flushes the WAL) once per batch instead of
 * once per request. Each request still waits for its own records to be
 * committed before its response leaves, and if a batch fails every request
 * in it learns so.
 */
export class ReadAuditWriter {
  private waiting: Waiting[] = [];
  private writing = false;

  constructor(private readonly ds: DataSource) {}

  /** Requests whose records wait for the INSERT in flight: a queue that only grows says the audit table is stuck. */
  get requestsWaiting(): number {
    return this.waiting.length;
  }

  write(records: ReadAuditRecord[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ records, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.waiting.length > 0) {
      const batch = this.takeBatch();
      try {
        await this.insert(batch.flatMap((w) => w.records));
        for (const w of batch) w.resolve();
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    this.writing = false;
  }

  /** Whole requests, oldest first, up to the record cap (a single larger request still goes alone). */
  private takeBatch(): Waiting[] {
    let records = 0;
    let count = 0;
    while (
      count < this.waiting.length &&
      (count === 0 || records + this.waiting[count].records.length <= MAX_BATCH_RECORDS)
    ) {
      records += this.waiting[count].records.length;
      count++;
    }
    return this.waiting.splice(0, count);
  }

  private async insert(records: ReadAuditRecord[]): Promise<void> {
    await preparedQuery(
      this.ds,
      `INSERT INTO audit_record (actor_id, actor_roles, customer_id, fields, operation, operation_name, request_id, detail)
       SELECT u.actor_id, string_to_array(u.roles, ','), u.customer_id, string_to_array(u.fields, ','), u.operation,
              u.operation_name, u.request_id, u.detail::jsonb
       FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
         AS u(actor_id, roles, customer_id, fields, operation_name, request_id, operation, detail)`,
      [
        records.map((r) => r.actorId),
        records.map((r) => r.actorRoles.join(',')),
        records.map((r) => r.customerId),
        records.map((r) => r.fields.join(',')),
        records.map((r) => r.operationName),
        records.map((r) => r.requestId),
        records.map((r) => r.operation ?? 'READ'),
        records.map((r) => (r.detail == null ? null : JSON.stringify(r.detail))),
      ],
    );
  }
}
