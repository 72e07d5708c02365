import { GraphQLError } from 'graphql';

/**
 * The error codes of PRODUCT.md §4. Clients switch on `extensions.code`, so
 * these strings are part of the contract.
 */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'QUERY_TOO_COMPLEX'
  | 'RATE_LIMITED'
  | 'QUOTA_EXCEEDED'
  | 'SERVICE_UNAVAILABLE'
  | 'SUPPRESSED'
  | 'INTERNAL_SERVER_ERROR';

export function appError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

/** A bad argument, naming the argument so that a form can point at it. */
export function badUserInput(field: string, message: string): GraphQLError {
  return appError('BAD_USER_INPUT', message, { field });
}
