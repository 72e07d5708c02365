import { LoadInputError } from './source';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

/**
 * Why a load failed, fit for a terminal or a log: the driver's own messages
 * may quote a value from the file ("invalid input syntax ...: <value>") or
 * the statement, so a database error is named by its SQLSTATE and
 * constraint only.
 */
export function describeFailure(error: unknown): string {
  if (error instanceof LoadInputError) return error.message;
  const { code, constraint, severity } = (error ?? {}) as { code?: string; constraint?: string; severity?: string };
  if (severity && code) {
    const on = constraint ? `, constraint ${constraint}` : '';
    return `the database refused the load (SQLSTATE ${code}${on}); nothing was written`;
  }
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) {
    return `could not reach the database, or lost it (${code}); nothing was written`;
  }
  const message = error instanceof Error ? error.message.split('\n')[0].slice(0, 200) : 'unknown error';
  return `${message}; nothing was written`;
}
