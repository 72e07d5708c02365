import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap } from '@apollo/server';
import type { ApolloServer } from '@apollo/server';
import express from 'express';
import { graphqlHttp, GraphQLHttpOptions, GraphQLHttpRequest } from '../../src/server/graphql-http';
import { OperationRegistry } from '../../src/server/persisted-queries';
import { withRequestId } from '../../src/server/request-scope';
import type { RequestContext } from '../../src/request/context';
import { logger } from '../../src/telemetry/logger';

/**
 * The GraphQL handler on Node's own http, with Apollo stood in for: what the
 * context function is told (the client's address under `trust proxy`, the
 * operations sent), and an exception outside Apollo answered, not fatal.
 */
const seen: GraphQLHttpRequest[] = [];
const apollo = {
  assertStarted() {},
  async executeHTTPGraphQLRequest({ context }: { context: () => Promise<RequestContext> }) {
    await context();
    return {
      status: 200,
      headers: new HeaderMap([['content-type', 'application/json; charset=utf-8']]),
      body: { kind: 'complete', string: '{"data":{}}' },
    };
  },
} as unknown as ApolloServer<RequestContext>;

async function serve(options: Partial<GraphQLHttpOptions>, run: (url: string) => Promise<void>): Promise<void> {
  const handler = graphqlHttp(apollo, {
    bodyBytes: 10_000,
    batchOperations: 1,
    registry: OperationRegistry.load(),
    trustProxy: express().get('trust proxy fn'),
    context: async (request) => {
      seen.push(request);
      return {} as RequestContext;
    },
    ...options,
  });
  const server = http.createServer((req, res) => withRequestId(res, (requestId) => handler(req, res, requestId)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

beforeEach(() => {
  seen.length = 0;
});

it('gives the client’s address as Express’s req.ip would, under its trust proxy setting', async () => {
  const forwarded = { 'x-forwarded-for': '10.1.2.3' };
  await serve({}, async (url) => {
    await post(url, { query: '{ me { id } }' }, forwarded);
  });
  await serve({ trustProxy: express().set('trust proxy', 'loopback').get('trust proxy fn') }, async (url) => {
    await post(url, { query: '{ me { id } }' }, forwarded);
  });
  expect(seen.map((request) => request.ip)).toEqual(['127.0.0.1', '10.1.2.3']);
});

it('tells the context the operations sent: the POST body, or a GET’s query string', async () => {
  await serve({}, async (url) => {
    await post(url, { query: '{ me { id } }' });
    await fetch(`${url}?query=${encodeURIComponent('{ me { roles } }')}`, {
      headers: { 'apollo-require-preflight': '1' },
    });
  });
  expect(seen.map((request) => request.operations)).toEqual([
    [{ query: '{ me { id } }' }],
    [{ query: '{ me { roles } }' }],
  ]);
});

it('answers an exception outside Apollo with a 500 in GraphQL’s shape, and keeps serving', async () => {
  const failing = {
    bodyOf() {
      throw new Error('registry unreadable');
    },
  } as unknown as OperationRegistry;
  const level = logger.level;
  logger.level = 'silent';
  try {
    await serve({ registry: failing }, async (url) => {
      const res = await post(url, { extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } });
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({
        errors: [
          {
            message: 'Internal server error',
            extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: res.headers.get('x-request-id') },
          },
        ],
      });
      expect((await post(url, { query: '{ me { id } }' })).status).toBe(200);
    });
  } finally {
    logger.level = level;
  }
});
