/**
 * SQLSTATEs meaning "the database cannot answer now", not "this request is
 * wrong": statement timeout (57014), shutdown (57P01-57P03), too many
 * connections (53300), every connection exception (class 08), and a write
 * refused as read-only (25006): the gateway writes only to the primary, so
 * that is a primary demoted under an open connection during a failover.
 */
const UNAVAILABLE_SQLSTATES = new Set(['57014', '57P01', '57P02', '57P03', '53300', '25006']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// node-postgres reports these without a code.
const DRIVER_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Query read timeout',
  'Connection terminated',
  'Client has encountered a connection error',
  'Client was closed and is not queryable',
  'Cannot use a pool after calling end',
];

/** Whether an error is PostgreSQL being unreachable, overloaded or too slow: worth a retry, not a bug. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (
      typeof code === 'string' &&
      (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08') || NETWORK_CODES.has(code))
    )
      return true;
    if (DRIVER_MESSAGES.some((text) => current instanceof Error && current.message.includes(text))) return true;
    // TypeORM wraps the driver's error; errors thrown in transactions may carry a cause.
    current = (current as { driverError?: unknown }).driverError ?? (current as { cause?: unknown }).cause;
  }
  return false;
}
