import { sqlStateOf } from '../db/sql-state';

/**
 * What the broker and the event relay log through: the server passes its
 * pino logger (which fits), so nothing here imports the server. Fields are
 * ids, counts, codes and host:port, never credentials or personal data.
 */
export interface Log {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export const silentLog: Log = { info() {}, warn() {}, error() {} };

/**
 * An error as a log may carry it. NATS client errors have fixed messages
 * (`connection refused`, `timeout`, the server's API error text) and name
 * servers by host:port only; a database error gives its SQLSTATE, never its
 * message, which may quote a value.
 */
export function describeFailure(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { errorType: typeof error };
  const sqlState = sqlStateOf(error);
  if (sqlState) return { errorType: error.name, sqlState };
  return { errorType: error.name, reason: error.message };
}
