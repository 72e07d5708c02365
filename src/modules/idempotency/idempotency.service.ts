import { isPartner } from '../../auth/principal';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { appError, badUserInput } from '../../common/errors';
import { preparedQuery } from '../../db/prepared-statements';
import { keyedHash } from '../../privacy/keyed-hash';
import type { RequestContext } from '../../request/context';

/** Keys are kept at least this long (PRODUCT.md §4: 24 hours). */
const KEEP = '24 hours';

/**
 * Runs a write at most once per (caller, key). The key row is inserted first,
 * in the write's own transaction, under the table's primary key: a concurrent
 * duplicate blocks on that insert until the first commits, then finds the
 * row and replays its stored result. A key reused with another input is a
 * CONFLICT. If the write fails, its transaction takes the key row with it,
 * so a retry can succeed.
 */
export class IdempotencyService {
  constructor(
    private readonly ds: DataSource,
    /** Keys the request hash: inputs hold personal data (a lead's name and phone). */
    private readonly hashKey: string,
  ) {}

  async run<T>(
    ctx: RequestContext,
    operation: string,
    input: object,
    externalRef: string | null | undefined,
    work: (em: EntityManager) => Promise<T>,
  ): Promise<T> {
    // The header wins over the input's externalRef.
    const key = ctx.idempotencyKey ?? externalRef ?? null;
    if (!key) {
      if (isPartner(ctx.principal)) {
        throw badUserInput('externalRef', 'Partner writes need an Idempotency-Key header or an externalRef');
      }
      return this.ds.transaction(work);
    }
    const requestHash = requestHashOf(this.hashKey, operation, input);
    return this.ds.transaction(async (em) => {
      // Named: every idempotent write sends these two, so each connection plans them once.
      const claimed = await preparedQuery(
        em,
        `INSERT INTO idempotency_record (principal_id, key, operation, request_hash, expires_at)
         VALUES ($1, $2, $3, $4, now() + interval '${KEEP}')
         ON CONFLICT (principal_id, key) DO NOTHING RETURNING key`,
        [ctx.principal.id, key, operation, requestHash],
      );
      if (claimed.length === 0) {
        const [prior] = await em.query(
          `SELECT request_hash AS "requestHash", response FROM idempotency_record WHERE principal_id = $1 AND key = $2`,
          [ctx.principal.id, key],
        );
        if (!sameRequest(prior.requestHash, requestHash, operation, input)) {
          throw appError('CONFLICT', 'This idempotency key was already used with a different request');
        }
        return prior.response as T;
      }
      const result = await work(em);
      await preparedQuery(em, `UPDATE idempotency_record SET response = $3 WHERE principal_id = $1 AND key = $2`, [
        ctx.principal.id,
        key,
        JSON.stringify(result),
      ]);
      return result;
    });
  }
}

/**
 * What tells a repeated request from another one under the same key: the
 * same operation and input hash the same. Keyed (keyed-hash.ts), since the
 * input can be a prospect's name and phone.
 */
export function requestHashOf(hashKey: string, operation: string, input: object): string {
  return keyedHash(hashKey, canonicalJson({ operation, input }));
}

/**
 * Records written before request hashes were keyed hold a plain SHA-256;
 * they expire within KEEP of the upgrade, and until then a retry of one
 * still replays instead of answering CONFLICT.
 */
function sameRequest(stored: string, requestHash: string, operation: string, input: object): boolean {
  if (stored.startsWith('hmac-sha256:')) return stored === requestHash;
  return stored === createHash('sha256').update(canonicalJson({ operation, input })).digest('hex');
}

/** JSON with object keys sorted, so that the same input always hashes the same. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}
