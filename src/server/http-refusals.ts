import type { ServerResponse } from 'node:http';
import { logger } from '../telemetry/logger';
import { errorBody } from './errors';

/** A JSON answer, written as Express's `res.status(status).json(body)` writes it. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', String(bytes.length));
  res.end(res.req?.method === 'HEAD' ? undefined : bytes);
}

/**
 * A request refused before GraphQL runs (a body too large, malformed JSON,
 * NUL, a lone surrogate), or failing outside it, answers in GraphQL's error
 * shape, not Express's HTML: 413 or 400 BAD_REQUEST for what the client
 * sent (naming the field when known), 500 for anything else. A response
 * already under way can only be cut off.
 */
export function answerRefused(
  res: ServerResponse,
  error: { name?: string; status?: number; type?: string; field?: unknown },
  requestId: string | undefined,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const tooLarge = error.type === 'entity.too.large';
  const status = tooLarge ? 413 : error.status && error.status < 500 ? 400 : 500;
  const field = typeof error.field === 'string' ? { field: error.field } : {};
  if (status === 500) logger.error({ errorType: error.name }, 'request failed before GraphQL');
  const body =
    status === 500
      ? errorBody('INTERNAL_SERVER_ERROR', 'Internal server error', requestId, field)
      : errorBody(
          'BAD_REQUEST',
          tooLarge ? 'The request body is too large' : 'The request body is not valid',
          requestId,
          field,
        );
  sendJson(res, status, body);
}
