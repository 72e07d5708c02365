/** What one request's log line and metrics say about it; filled in as it goes. */
export interface RequestTrace {
  requestId: string;
  operation?: string;
  principalId?: string;
  /** `success`, or the code of the first error returned. */
  outcome?: string;
  /** Query cost spent by this HTTP request (all operations of a batch). */
  cost?: number;
}
