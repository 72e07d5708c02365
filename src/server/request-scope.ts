import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';

const requestIds = new AsyncLocalStorage<string>();

/**
 * Gives an HTTP request its id (also the `x-request-id` header) and keeps it
 * for everything that runs on the request's behalf, so error formatting and
 * log lines can name it even where Apollo passes no context (a request
 * refused for CSRF or a malformed body).
 */
export function withRequestId(res: ServerResponse, run: (requestId: string) => void): void {
  // Always our own: audit records carry it, so a client must not choose it.
  const requestId = randomUUID();
  res.setHeader('x-request-id', requestId);
  requestIds.run(requestId, run, requestId);
}

/** withRequestId for the routes Express serves; the id is also kept in `res.locals.requestId`. */
export const assignRequestId: RequestHandler = (_req, res, next) => {
  withRequestId(res, (requestId) => {
    res.locals.requestId = requestId;
    next();
  });
};

export function currentRequestId(): string | undefined {
  return requestIds.getStore();
}
