/** What one request's log line and metrics say about it; filled in as it goes. */
export interface RequestTrace {
  requestId: string;
  operation?: string;
  principalId?: string;
  /** `success`, or the code of the first error returned. */
  outcome?: string;
  /** 'direct' when PostgreSQL built the answer (server/direct-reads.ts), rather than the executor. */
  reader?: 'direct';
  /** The SQLSTATE of a direct read's failed statement ('error' for another failure), before the executor ran the query instead. */
  directReadFailed?: string;
  /** Query cost spent by this HTTP request (all operations of a batch). */
  cost?: number;
}
