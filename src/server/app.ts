import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError } from 'graphql';
import { DataSource } from 'typeorm';
import { createTokenVerifier } from '../auth/token-verifier';
import { businessToday } from '../common/business-date';
import { appError } from '../common/errors';
import { AuditTrail } from '../modules/audit/audit-trail';
import { auditPlugin } from '../modules/audit/audit.plugin';
import { RequestPrivacy } from '../privacy/request-privacy';
import { rowScopeFor } from '../privacy/row-scope';
import type { Config } from '../config';
import type { RequestContext } from './context';
import { formatError } from './errors';
import { logger } from './logger';
import { createLoaders } from './loaders';
import { getSchema } from './schema';
import { createServices } from './services';

export interface RunningApp {
  url: string;
  httpServer: http.Server;
  stop(): Promise<void>;
}

/** Adds the request id to every error, so a client can quote it to support. */
const requestIdInErrors: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ contextValue, response }) {
        if (response.body.kind !== 'single' || !response.body.singleResult.errors) return;
        for (const error of response.body.singleResult.errors) {
          (error.extensions as Record<string, unknown>).requestId = contextValue.requestId;
        }
      },
    };
  },
};

export async function startApp(config: Config, ds: DataSource): Promise<RunningApp> {
  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  const services = createServices(ds, config);
  const verifyToken = createTokenVerifier(config.auth);

  const apollo = new ApolloServer<RequestContext>({
    schema: await getSchema(),
    formatError,
    includeStacktraceInErrorResponses: false,
    // main.ts owns shutdown: Apollo's own signal handler would race it.
    stopOnTerminationSignals: false,
    introspection: !config.production,
    // No "Did you mean ...?" suggestions in production: they reveal the schema.
    hideSchemaDetailsFromClientErrors: config.production,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // Cache-control wraps every field resolver in a promise; nothing here uses it.
      ApolloServerPluginCacheControlDisabled(),
      config.production
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({ footer: false }),
      requestIdInErrors,
      auditPlugin,
    ],
  });
  await apollo.start();

  app.use((_req, res, next) => {
    // Always our own: audit records carry it, so a client must not choose it.
    const requestId = randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    try {
      await ds.query('SELECT 1');
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'unavailable' });
    }
  });

  app.use(
    '/graphql',
    express.json({
      limit: '100kb',
      // PostgreSQL text cannot hold NUL; a request carrying one is refused whole.
      verify: (_req, _res, body) => {
        if (body.includes('\\u0000') || body.includes(0))
          throw Object.assign(new Error('NUL in body'), { status: 400 });
      },
    }),
    expressMiddleware(apollo, {
      context: async ({ req, res }): Promise<RequestContext> => {
        const requestId = res.locals.requestId as string;
        // Authentication comes first: without a valid token nothing else runs.
        const principal = await verifyToken(req.header('authorization')).catch((error: GraphQLError) => {
          error.extensions.requestId = requestId;
          throw error;
        });
        const today = businessToday(config.businessTimeZone);
        const privacy = new RequestPrivacy(principal);
        const scope = rowScopeFor(principal, privacy.columns);
        const audit = new AuditTrail();
        return {
          requestId,
          principal,
          privacy,
          scope,
          audit,
          idempotencyKey: idempotencyKeyOf(req.header('idempotency-key'), requestId),
          today,
          services,
          loaders: createLoaders(ds, config, { today, privacy, scope, audit }),
        };
      },
    }),
  );

  // Bodies refused before Apollo (malformed JSON, too large, NUL) answer in GraphQL's shape, not Express's HTML.
  app.use(
    (
      error: { status?: number; type?: string },
      _req: express.Request,
      res: express.Response,
      next: express.NextFunction,
    ) => {
      if (res.headersSent) return next(error);
      const tooLarge = error.type === 'entity.too.large';
      const status = tooLarge ? 413 : error.status && error.status < 500 ? 400 : 500;
      if (status === 500) logger.error({ errorType: (error as Error).name }, 'request failed before GraphQL');
      res.status(status).json({
        errors: [
          {
            message: tooLarge
              ? 'The request body is too large'
              : status === 400
                ? 'The request body is not valid'
                : 'Internal server error',
            extensions: {
              code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST',
              requestId: res.locals.requestId,
            },
          },
        ],
      });
    },
  );

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.http.port, config.http.host, resolve);
  });
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://${config.http.host}:${port}/graphql`,
    httpServer,
    stop: () => apollo.stop(),
  };
}

/** An Idempotency-Key must be 1 to 200 visible ASCII characters; a malformed one is refused, not ignored. */
function idempotencyKeyOf(header: string | undefined, requestId: string): string | undefined {
  if (header === undefined) return undefined;
  if (/^[\x21-\x7e]{1,200}$/.test(header)) return header;
  throw appError('BAD_REQUEST', 'Idempotency-Key must be 1 to 200 visible ASCII characters', {
    http: { status: 400 },
    requestId,
  });
}
