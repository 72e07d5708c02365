/**
 * The SQLSTATE of a database error (pg's own, or the one TypeORM's
 * QueryFailedError wraps), or undefined for anything else. It is what code
 * branches on and what logs carry: a database error's message may quote a
 * value, its SQLSTATE never does.
 */
export function sqlStateOf(error: unknown): string | undefined {
  const driverError = (error as { driverError?: unknown } | null | undefined)?.driverError ?? error;
  const code = (driverError as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** What a log may say of a failure in database work: its type and SQLSTATE, never the driver's message. */
export function databaseFailureDetails(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { errorType: typeof error };
  return { errorType: error.name, sqlState: sqlStateOf(error) };
}

/**
 * A write that referenced a customer who was deleted (erased) while it ran:
 * its foreign-key check waited on the erasure's row lock, then found no
 * row. For the client the customer is simply not there (NOT_FOUND).
 */
export function isVanishedCustomer(error: unknown): boolean {
  const driverError = (error as { driverError?: unknown } | null | undefined)?.driverError ?? error;
  const constraint = (driverError as { constraint?: unknown } | null | undefined)?.constraint;
  return sqlStateOf(error) === '23503' && typeof constraint === 'string' && constraint.endsWith('_customer_id_fkey');
}
