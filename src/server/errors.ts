import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { ArgumentValidationError } from 'type-graphql';
import type { ValidationError } from 'class-validator';
import { isDatabaseUnavailable } from '../db/unavailable';
import { isVanishedCustomer, sqlStateOf } from '../db/sql-state';
import type { RequestContext } from '../request/context';
import { logger } from '../telemetry/logger';
import { currentRequestId } from './request-scope';

/** Seconds a client should wait before retrying while the database is unavailable. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = '2';

/** Codes whose message was written for the client; anything else is masked. */
const CLIENT_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'NOT_FOUND',
  'CONFLICT',
  'QUERY_TOO_COMPLEX',
  'RATE_LIMITED',
  'QUOTA_EXCEEDED',
  'SERVICE_UNAVAILABLE',
  'SUPPRESSED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/**
 * The body of a response refused outside Apollo's error formatting (an
 * unknown path, a body Express could not read, a batch too large, a read
 * audit that could not be written): the shape formatError gives every other
 * error, a contract code and a message written for the client, with the
 * request's id last. `extra` says more about the error (the field at fault).
 */
export function errorBody(
  code: string,
  message: string,
  requestId: string | undefined,
  extra: Record<string, unknown> = {},
): { errors: GraphQLFormattedError[] } {
  return { errors: [{ message, extensions: { code, ...extra, requestId } }] };
}

/** Apollo's codes for a malformed request, folded into the contract's BAD_REQUEST. */
const REQUEST_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'OPERATION_RESOLUTION_FAILURE']);

/**
 * Shapes every error that leaves the server: a contract code, a message meant
 * for the client, and nothing else. Database and programming errors become
 * INTERNAL_SERVER_ERROR with a generic message; their detail goes to the log,
 * never to the response (no stack, SQL, table or driver text).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const shaped = shapeError(formatted, error);
  // Every error names its request, including those Apollo refuses before any plugin runs (CSRF, malformed bodies).
  return { ...shaped, extensions: { ...shaped.extensions, requestId: currentRequestId() } };
}

function shapeError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  let code = String(formatted.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
  if (REQUEST_CODES.has(code)) code = ruleCode(error, formatted.message) ?? 'BAD_REQUEST';
  const original = unwrapResolverError(error);
  if (isCodelessRequestError(original)) code = 'BAD_REQUEST';
  if (isVariableErrorLimit(original)) code = 'BAD_USER_INPUT';
  if (original instanceof ArgumentValidationError) return validationError(formatted, original);
  if (isDatabaseUnavailable(original)) {
    logger.warn(
      { ...describeSafely(original), path: formatted.path, requestId: currentRequestId() },
      'database unavailable',
    );
    return {
      message: 'The service is temporarily unavailable; please retry',
      path: formatted.path,
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    };
  }
  if (isVanishedCustomer(original)) {
    return { message: 'No such customer', path: formatted.path, extensions: { code: 'NOT_FOUND' } };
  }
  if (CLIENT_CODES.has(code) && original instanceof GraphQLError) {
    const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    const variable = code === 'BAD_USER_INPUT' && extensions.field === undefined ? badVariable(original) : undefined;
    if (variable)
      return { message: variable.message, locations: formatted.locations, extensions: { code, field: variable.field } };
    return {
      message: formatted.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { ...extensions, code },
    };
  }
  logger.error({ ...describeSafely(original), path: formatted.path, requestId: currentRequestId() }, 'internal error');
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

/**
 * graphql-js (execute's maxCoercionErrors, 50 by default) reports at most 50 bad variable values
 * and then one error of its own, without a code or a variable node, so Apollo does not file it
 * under BAD_USER_INPUT like the 50 before it.
 */
function isVariableErrorLimit(error: unknown): boolean {
  return (
    error instanceof GraphQLError &&
    error.extensions.code === undefined &&
    error.message === 'Too many errors processing variables, error limit reached. Execution aborted.'
  );
}

/** Apollo refuses some requests (a persisted-query hash that does not match its text) with a 4xx status but no code. */
function isCodelessRequestError(error: unknown): boolean {
  if (!(error instanceof GraphQLError) || error.extensions.code !== undefined) return false;
  const status = (error.extensions.http as { status?: number } | undefined)?.status ?? 500;
  return status >= 400 && status < 500;
}

/**
 * Apollo files every parse and validation failure under its own code; a
 * rejection by one of our rules keeps the contract's code: QUERY_TOO_COMPLEX
 * for a query limit, BAD_USER_INPUT for an input bound.
 */
function ruleCode(error: unknown, message: string): string | undefined {
  const own = (error as GraphQLError).originalError;
  const ownCode = own instanceof GraphQLError ? own.extensions.code : undefined;
  if (ownCode === 'QUERY_TOO_COMPLEX' || ownCode === 'BAD_USER_INPUT') return ownCode;
  // Apollo's maxRecursiveSelections rule (fragments that multiply each other) has no code of its own.
  if (/recursively requests too many selections/.test(message)) return 'QUERY_TOO_COMPLEX';
  // graphql-js's own token limit (Apollo's parseOptions.maxTokens) says so only in its message.
  if (/Document contains more th(?:an|at) \d+ tokens/.test(message)) return 'QUERY_TOO_COMPLEX';
  return undefined;
}

/**
 * graphql-js reports a variable it cannot accept as `Variable "$input" got
 * invalid value <the value> at "input.revenue"; <the reason>`. The client is
 * told the field (as `extensions.field`, like every other BAD_USER_INPUT) and
 * the reason, without its value echoed back.
 */
function badVariable(error: GraphQLError): { field: string; message: string } | undefined {
  const match = /^Variable "\$(\w+)" got invalid value [\s\S]*?(?: at "([^"]+)")?; ([\s\S]*)$/.exec(error.message);
  if (!match) return undefined;
  const [, variable, path, reason] = match;
  const field = path ?? variable;
  return { field, message: `Invalid input: ${field}: ${reason}` };
}

/**
 * What is safe to log about an internal error: its type, the driver's
 * SQLSTATE and where it was thrown. Not its message or the driver's query
 * parameters: those can hold personal data (a searched name, an ID number).
 */
export function describeSafely(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { errorType: typeof error };
  const frames = error.stack?.split('\n').filter((line) => line.trimStart().startsWith('at ')) ?? [];
  return { errorType: error.name, sqlState: sqlStateOf(error), stack: frames.slice(0, 8).join('\n') };
}

/**
 * class-validator's errors carry the rejected values; the client gets the
 * names of the fields at fault and the rules they broke, never its input back.
 */
function validationError(formatted: GraphQLFormattedError, error: ArgumentValidationError): GraphQLFormattedError {
  const problems: { field: string; rules: string[] }[] = [];
  const walk = (errors: ValidationError[], prefix: string) => {
    for (const e of errors) {
      const field = `${prefix}${e.property}`;
      if (e.constraints) problems.push({ field, rules: Object.keys(e.constraints) });
      if (e.children?.length) walk(e.children, `${field}.`);
    }
  };
  walk(error.extensions.validationErrors as ValidationError[], 'input.');
  return {
    message: `Invalid input: ${problems.map((p) => p.field).join(', ')}`,
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: 'BAD_USER_INPUT', field: problems[0]?.field, fields: problems },
  };
}

/**
 * When nothing could be answered because the database is unavailable, the
 * response says so at the HTTP level too: 503 with Retry-After, which load
 * balancers and client libraries understand.
 */
export const unavailableStatus: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        if (response.body.kind !== 'single') return;
        const { data, errors } = response.body.singleResult;
        const nothingAnswered = !data || Object.values(data).every((value) => value === null);
        if (!nothingAnswered || !errors?.length || !errors.every((e) => e.extensions?.code === 'SERVICE_UNAVAILABLE'))
          return;
        answeredUnavailable(response.http);
      },
    };
  },
};

/**
 * A customer list withheld for its small cohort is answered (empty, so the
 * rest of the response stands) and cannot carry an error of its own through
 * execution: its SUPPRESSED error is added here, at the list's path, shaped
 * like every other error.
 */
export const withheldListErrors: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response, contextValue }) {
        if (response.body.kind !== 'single' || !contextValue.privacy) return;
        const withheld = contextValue.privacy.cohorts.withheldListErrors();
        if (withheld.length === 0) return;
        const result = response.body.singleResult;
        result.errors = [...(result.errors ?? []), ...withheld.map((error) => formatError(error.toJSON(), error))];
      },
    };
  },
};

/** 503 with Retry-After: the client may send the same request again shortly (a failover, an overloaded pool). */
export function answeredUnavailable(http: { status?: number; headers: Map<string, string> }): void {
  http.status = 503;
  http.headers.set('retry-after', UNAVAILABLE_RETRY_AFTER_SECONDS);
}

/**
 * A request refused before GraphQL runs (token, rate limit, headers) keeps
 * its error; anything unexpected there is masked like an internal error,
 * with 503 when the database is what failed. (formatError adds the request id.)
 */
export function refusal(error: unknown): GraphQLError {
  if (error instanceof GraphQLError && error.extensions.code) return error;
  const unavailable = isDatabaseUnavailable(error);
  logger.error({ ...describeSafely(error), requestId: currentRequestId() }, 'request refused before GraphQL');
  return new GraphQLError(
    unavailable ? 'The service is temporarily unavailable; please retry' : 'Internal server error',
    {
      extensions: {
        code: unavailable ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_SERVER_ERROR',
        http: unavailable
          ? { status: 503, headers: new Map([['retry-after', UNAVAILABLE_RETRY_AFTER_SECONDS]]) }
          : { status: 500 },
      },
    },
  );
}
