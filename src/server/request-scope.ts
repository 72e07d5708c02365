import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

const requestIds = new AsyncLocalStorage<string>();

/**
 * Gives every HTTP request its id (also the `x-request-id` header) and keeps
 * it for everything that runs on the request's behalf, so error formatting
 * and log lines can name it even where Apollo passes no context (a request
 * refused for CSRF or a malformed body).
 */
export const assignRequestId: RequestHandler = (_req, res, next) => {
  // Always our own: audit records carry it, so a client must not choose it.
  const requestId = randomUUID();
  res.locals.requestId = requestId;
  res.setHeader('x-request-id', requestId);
  requestIds.run(requestId, next);
};

export function currentRequestId(): string | undefined {
  return requestIds.getStore();
}
