import { isPartner } from '../auth/principal';
import { createHash } from 'node:crypto';
import { KeyvAdapter } from '@apollo/utils.keyvadapter';
import KeyvRedis from '@keyv/redis';
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { RequestContext } from '../request/context';
import Keyv from 'keyv';
import { logger } from '../telemetry/logger';
import type { RedisClient } from './redis';

// Imported, not read from disk: the compiled build carries it along (dist/persisted-queries).
import partnerManifest from '../../persisted-queries/partner.json';

interface Manifest {
  format: 'apollo-persisted-query-manifest';
  version: 1;
  operations: { id: string; name: string; type: string; body: string }[];
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Operations registered ahead of time, in Apollo's persisted-query manifest
 * format: the id is the SHA-256 of the body, exactly as a client hashes it
 * for automatic persisted queries.
 */
export class OperationRegistry {
  private constructor(private readonly bodies: ReadonlyMap<string, string>) {}

  static load(manifest: Manifest = partnerManifest as Manifest): OperationRegistry {
    const bodies = new Map<string, string>();
    for (const operation of manifest.operations) {
      if (sha256(operation.body) !== operation.id)
        throw new Error(`persisted query manifest: id of ${operation.name} is not the SHA-256 of its body`);
      bodies.set(operation.id, operation.body);
    }
    return new OperationRegistry(bodies);
  }

  bodyOf(id: unknown): string | undefined {
    return typeof id === 'string' ? this.bodies.get(id) : undefined;
  }

  hasHash(hash: string): boolean {
    return this.bodies.has(hash);
  }
}

interface GraphQLRequestBody {
  query?: unknown;
  extensions?: { persistedQuery?: { sha256Hash?: unknown } };
}

/**
 * A client may run a registered operation by its id alone, without the
 * automatic-persisted-query round trip: its text is filled in here, and
 * Apollo then checks the hash against it as for any persisted query.
 */
export function expandRegisteredOperations(registry: OperationRegistry, body: unknown): void {
  const requests = (Array.isArray(body) ? body : [body]) as GraphQLRequestBody[];
  for (const request of requests) {
    if (request && typeof request === 'object' && request.query === undefined) {
      const text = registry.bodyOf(request.extensions?.persistedQuery?.sha256Hash);
      if (text) request.query = text;
    }
  }
}

/**
 * Safelist mode: a partner may run only registered operations. Checked on
 * the hash of the text Apollo is about to execute, whichever way it arrived
 * (POST or GET, text or persisted-query hash, alone or in a batch).
 */
export function partnerSafelist(registry: OperationRegistry): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ contextValue }) {
      if (!isPartner(contextValue.principal)) return;
      return {
        async didResolveOperation({ queryHash }) {
          if (registry.hasHash(queryHash)) return;
          throw new GraphQLError('Partner tokens may run only registered operations (persisted-queries/partner.json)', {
            extensions: { code: 'FORBIDDEN', reason: 'OPERATION_NOT_REGISTERED', http: { status: 403 } },
          });
        },
      };
    },
  };
}

/**
 * Where automatic persisted queries are kept: in Redis when instances share
 * one, so a hash registered through one instance works on all; otherwise
 * Apollo's default in-memory cache (undefined here).
 */
export function persistedQueryCache(redis?: RedisClient): KeyvAdapter<string> | undefined {
  if (!redis) return undefined;
  const keyv = new Keyv<string>({ store: new KeyvRedis(redis), namespace: 'c360:apq' });
  // Keyv reports a Redis failure as an event and a miss; the client then resends the full query.
  keyv.on('error', (error: Error) => logger.warn({ errorType: error.name }, 'persisted query cache unavailable'));
  return new KeyvAdapter(keyv);
}
