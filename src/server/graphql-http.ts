import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQueryString } from 'node:querystring';
import type { ApolloServer } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import proxyAddr from 'proxy-addr';
import type { RequestContext } from '../request/context';
import type { RequestTrace } from '../request/trace';
import { operationScope } from '../telemetry/operation-spans';
import { errorBody } from './errors';
import { answerRefused, sendJson } from './http-refusals';
import type { Metrics } from './metrics';
import { expandRegisteredOperations, OperationRegistry } from './persisted-queries';
import { batchRefusal, jsonBodyReader } from './request-body';
import { traceRequest } from './request-telemetry';

/** What the context function is told about a request that reached Apollo. */
export interface GraphQLHttpRequest {
  req: IncomingMessage;
  requestId: string;
  trace: RequestTrace;
  /** The client's address under the `trust proxy` setting, as Express's `req.ip` gives it. */
  ip: string | undefined;
  /** The operations sent: a batch's, the POST body, or a GET's query string. */
  operations: unknown[];
}

export interface GraphQLHttpOptions {
  bodyBytes: number;
  batchOperations: number;
  registry: OperationRegistry;
  metrics?: Metrics;
  /** Express's compiled `trust proxy` (`app.get('trust proxy fn')`), so both layers agree on `ip`. */
  trustProxy: (address: string, hop: number) => boolean;
  context: (request: GraphQLHttpRequest) => Promise<RequestContext>;
}

export type GraphQLHttpHandler = (req: IncomingMessage, res: ServerResponse, requestId: string) => void;

/**
 * The GraphQL endpoint on Node's own `http`: the request's log line and
 * metrics, its body read and checked, registered operations expanded, then
 * Apollo's `executeHTTPGraphQLRequest`. Express's router, middleware chain
 * and request/response wrappers were a tenth of a request's CPU (the profile
 * in bench/results/profile.md); Express still serves everything else.
 * `requestId` is the one withRequestId assigned.
 */
export function graphqlHttp(apollo: ApolloServer<RequestContext>, options: GraphQLHttpOptions): GraphQLHttpHandler {
  apollo.assertStarted('graphqlHttp()');
  const readBody = jsonBodyReader(options.bodyBytes);
  return (req, res, requestId) => {
    const trace = traceRequest(res, requestId, options.metrics);
    // Express's router answered what a handler threw with a 500; here it would end the process.
    const guarded = (step: () => void) => {
      try {
        step();
      } catch (error) {
        answerRefused(res, error as Error, requestId);
      }
    };
    guarded(() =>
      readBody(req, res, (refused, body) =>
        guarded(() => {
          if (refused) return answerRefused(res, refused, requestId);
          const tooMany = batchRefusal(body, options.batchOperations);
          if (tooMany) return sendJson(res, 400, errorBody('BAD_REQUEST', tooMany, requestId));
          expandRegisteredOperations(options.registry, body);
          const request = (): GraphQLHttpRequest => ({
            req,
            requestId,
            trace,
            ip: proxyAddr(req, options.trustProxy),
            operations: Array.isArray(body)
              ? body
              : [req.method === 'GET' ? parseQueryString(searchOf(req.url ?? '').slice(1)) : body],
          });
          // Last before Apollo: the body parser's callbacks run outside any context entered earlier.
          operationScope(res, () => {
            execute(apollo, req, res, body, () => options.context(request())).catch((error: Error) =>
              answerRefused(res, error, requestId),
            );
          });
        }),
      ),
    );
  };
}

/** A POST to exactly `/graphql`: what clients send, and never the explorer's page. */
export function isGraphQLPost(req: IncomingMessage): boolean {
  return req.method === 'POST' && (req.url === '/graphql' || req.url?.startsWith('/graphql?') === true);
}

/**
 * Apollo's answer, a complete one sent as one UTF-8 Buffer: measuring the
 * text for Content-Length and letting Node encode it again cost a tenth of
 * W2's CPU (Express's `res.send`).
 */
async function execute(
  apollo: ApolloServer<RequestContext>,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  context: () => Promise<RequestContext>,
): Promise<void> {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const answer = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method!.toUpperCase(), headers, search: searchOf(req.url ?? ''), body },
    context,
  });
  for (const [key, value] of answer.headers) res.setHeader(key, value);
  res.statusCode = answer.status ?? 200;
  if (answer.body.kind === 'complete') {
    const bytes = Buffer.from(answer.body.string, 'utf8');
    res.setHeader('content-length', bytes.length);
    res.end(bytes);
    return;
  }
  for await (const chunk of answer.body.asyncIterator) res.write(chunk);
  res.end();
}

/**
 * `?a=b` of `/path?a=b#c`, or '' without a query string: cut from the URL as
 * it is (legacy `url.parse` only escaped characters URLSearchParams decodes alike).
 */
export function searchOf(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return '';
  const hash = url.indexOf('#', start);
  return hash === -1 ? url.slice(start) : url.slice(start, hash);
}
