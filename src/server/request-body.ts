import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';

/** Why a request is refused before GraphQL: Express's error fields, which answerRefused reads. */
export interface BodyRefusal extends Error {
  status?: number;
  type?: string;
  field?: string;
}

export type BodyReader = (
  req: IncomingMessage,
  res: ServerResponse,
  done: (refused: BodyRefusal | undefined, body: unknown) => void,
) => void;

/**
 * Reads a GraphQL request's JSON body as `express.json()` (body-parser) does
 * on plain Node requests: only `application/json` is parsed (anything else
 * leaves the body undefined, for Apollo to refuse), up to `limit` bytes.
 * Then refuses what PostgreSQL cannot store: NUL anywhere in the body or in
 * the URL's query string, and lone surrogates, naming where they were.
 */
export function jsonBodyReader(limit: number): BodyReader {
  const parse = express.json({
    limit,
    // PostgreSQL text cannot hold NUL; a request carrying one is refused whole.
    verify: (_req, _res, body) => {
      if (body.includes('\\u0000') || body.includes(0)) throw refusal('NUL in body');
    },
  }) as unknown as (req: IncomingMessage, res: ServerResponse, next: (error?: BodyRefusal) => void) => void;
  return (req, res, done) => {
    parse(req, res, (error) => {
      const body = (req as { body?: unknown }).body;
      if (error) return done(error, body);
      // The same refusal for a GET's query string (%00 decodes to NUL).
      if (/%00/.test(req.url ?? '')) return done(refusal('NUL in URL'), body);
      // A lone UTF-16 surrogate (JSON "\ud800") is not text: jsonb refuses it (22P02) and a text
      // column silently stores U+FFFD instead. Refused whole like NUL, naming where it was.
      const where = illFormedStringAt(body, '');
      done(where ? refusal('Lone surrogate in body', where) : undefined, body);
    });
  };
}

function refusal(message: string, field?: string): BodyRefusal {
  return Object.assign(new Error(message), { status: 400, ...(field ? { field } : {}) });
}

/** Batched requests (a JSON array of operations) may hold at most this many; batching is off at 1. */
export function batchRefusal(body: unknown, maximum: number): string | undefined {
  if (!Array.isArray(body) || (maximum > 1 && body.length <= maximum)) return undefined;
  return maximum > 1 ? `A batch may hold at most ${maximum} operations` : 'Batched requests are not accepted';
}

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The path (such as `variables.input.summary`) of the first string or key
 * holding a lone surrogate, if any. Walked with a stack, not recursion: a
 * body nested thousands deep (a few kilobytes of brackets) would overflow
 * the call stack before any limit is checked.
 */
function illFormedStringAt(body: unknown, root: string): string | undefined {
  const pending: [value: unknown, path: string][] = [[body, root]];
  while (pending.length) {
    const [value, path] = pending.pop()!;
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) return path || '(body)';
      continue;
    }
    if (!value || typeof value !== 'object') continue;
    const entries = Object.entries(value);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, item] = entries[i];
      if (LONE_SURROGATE.test(key)) return path || '(body)';
      pending.push([item, path ? `${path}.${key}` : key]);
    }
  }
  return undefined;
}
