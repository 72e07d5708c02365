import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import express from 'express';
import type { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { createTokenVerifier } from '../auth/token-verifier';
import { inputBoundsRule } from '../common/input-bounds.rule';
import { businessToday } from '../common/business-date';
import { appError } from '../common/errors';
import { AuditTrail } from '../modules/audit/audit-trail';
import { auditPlugin } from './audit.plugin';
import { RequestPrivacy } from '../privacy/request-privacy';
import { rowScopeFor } from '../privacy/row-scope';
import { LIVE_POLICY, PrivacyPolicy } from '../privacy/privacy-policy';
import { PolicyShadow } from '../privacy/policy-shadow';
import { registerShadowMetrics } from '../privacy/shadow-metrics';
import type { Config } from '../config';
import { directiveFloodCheck, queryCostPlugin, queryLimitRules } from './abuse/query-limits';
import { createRateLimits } from './abuse/rate-limit';
import type { RequestContext } from '../request/context';
import { errorBody, formatError, refusal, unavailableStatus, withheldListErrors } from './errors';
import { explorerRoutes } from './explorer';
import { Health } from './health';
import { logger } from '../telemetry/logger';
import { createReferenceData, LOADERS_NOT_YET_BUILT, perOperationState } from '../request/loaders';
import { Metrics } from './metrics';
import { sqlStateOf } from '../db/sql-state';
import { sealInboxKeys } from '../ingest/feed/inbox';
import { RevealMetrics } from '../modules/reveal/reveal-metrics';
import { registerReadAuditMetrics } from '../modules/audit/audit-metrics';
import { partnerSafelist, OperationRegistry, persistedQueryCache } from './persisted-queries';
import { connectRedis, disconnectRedis } from './redis';
import { assignRequestId, withRequestId } from './request-scope';
import { telemetryPlugin } from './request-telemetry';
import { operationSpans } from '../telemetry/operation-spans';
import { graphqlHttp, isGraphQLPost } from './graphql-http';
import { answerRefused } from './http-refusals';
import { jitExecutor } from './executor';
import { getSchema } from './schema';
import { staffWritesNeedAStaffMember } from './staff-writes';
import { createServices } from '../request/services';
import { Keyring } from '../privacy/encryption/keyring';
import { sealLegacyRows } from '../privacy/encryption/rotation';
import { registerKeyring } from '../privacy/encryption/keyrings';
import { localMasterKeys } from '../privacy/encryption/master-keys';

export interface RunningApp {
  url: string;
  httpServer: http.Server;
  /** The /metrics registry's owner (undefined with METRICS_ENABLED=false): background work registers its metrics there. */
  metrics?: Metrics;
  /** Graceful: readiness goes false, new connections are refused, in-flight requests finish (up to the grace period). */
  stop(): Promise<void>;
}

/**
 * `ds` is the primary; `reads` is where queries read (a replica, or the
 * primary again). A mutation reads its results from the primary, so a
 * client always sees its own write.
 */
export interface AppOptions {
  /**
   * The privacy policy each request is read under (default: the live one).
   * A function, asked once per request, so that a test can change the policy
   * of a running server and see the response follow.
   */
  privacyPolicy?: () => PrivacyPolicy;
  /**
   * What /metrics answers, given this process's registry (default: that registry's metrics). A cluster's
   * worker answers for the whole cluster (cluster-worker.ts).
   */
  scrape?: (local: Registry) => Promise<string>;
}

export async function startApp(
  config: Config,
  ds: DataSource,
  reads: DataSource = ds,
  { privacyPolicy = () => LIVE_POLICY, scrape = (local) => local.metrics() }: AppOptions = {},
): Promise<RunningApp> {
  logger.level = config.logLevel;
  // First: a candidate policy that does not load stops the start, naming where in its file.
  const shadow = config.privacy.shadowPolicyFile ? PolicyShadow.fromFile(config.privacy.shadowPolicyFile) : undefined;
  if (shadow) logger.info({ candidate: shadow.source }, 'privacy shadow mode: evaluating a candidate policy');
  const app = express();
  app.disable('x-powered-by');
  // Express would hash every response for an ETag: answers depend on the caller and are never revalidated.
  app.disable('etag');
  app.set('trust proxy', config.trustProxy);
  // Its request listener is set once Apollo has started: Apollo's drain plugin needs the server first.
  const httpServer = http.createServer();
  const redis = config.redisUrl ? connectRedis(config.redisUrl) : undefined;
  const keyring = new Keyring(localMasterKeys(config.encryption));
  // Bulk loads and the change feed on this database encrypt with the same keys.
  registerKeyring(ds, keyring);
  // A database that is down at start is reported by readiness instead; the first write then makes the keys.
  await keyring.warmUp(ds).catch(() => undefined);
  // Rows an upgrade left in plaintext, or without their blind index, are sealed before anything looks one up.
  await sealLegacyRows(ds, keyring, (scope, done) =>
    logger.info({ scope, done }, 'sealing rows stored before encryption'),
  )
    .then(() => sealInboxKeys(ds))
    .catch((error: unknown) => {
      // Two rows with one blind index (an ID number or account number held twice) need an operator: refuse to start.
      if (sqlStateOf(error)?.startsWith('23')) throw error;
      // Unreachable database: readiness reports it; bulk loads and the change feed seal before they look anything up.
      logger.error({ err: error }, 'sealing rows stored before encryption failed: will retry at next start');
    });
  const services = createServices(ds, config, keyring);
  const reference = createReferenceData(ds);
  const verifyToken = createTokenVerifier(config.auth);
  const rateLimits = createRateLimits(config.rateLimit, redis);
  const partnerOperations = OperationRegistry.load();
  const metrics = config.metricsEnabled ? new Metrics() : undefined;
  metrics?.watchPools(reads === ds ? { primary: ds } : { primary: ds, replica: reads });
  if (metrics && shadow) registerShadowMetrics(shadow, metrics.registry);
  if (metrics) new RevealMetrics(metrics.registry, reads, config.reveal);
  if (metrics) registerReadAuditMetrics(services.audit, metrics.registry);
  const health = new Health(reads, config.db.acquireTimeoutMs);
  const schema = await getSchema();
  const refuseDirectiveFlood = directiveFloodCheck(config.limits, schema);

  const apollo = new ApolloServer<RequestContext>({
    gateway: jitExecutor(schema, { compile: config.executor === 'jit', directReads: config.directReads }),
    formatError,
    includeStacktraceInErrorResponses: false,
    // main.ts owns shutdown: Apollo's own signal handler would race it.
    stopOnTerminationSignals: false,
    introspection: !config.production,
    // No "Did you mean ...?" suggestions in production: they reveal the schema.
    hideSchemaDetailsFromClientErrors: config.production,
    csrfPrevention: true,
    logger: logger.child({ component: 'apollo' }),
    // Abuse limits: tokens while parsing; fragment blow-up, depth, aliases and directives while validating; cost once variables are known.
    parseOptions: { maxTokens: config.limits.tokens },
    maxRecursiveSelections: true,
    validationRules: [...queryLimitRules(config.limits), inputBoundsRule],
    allowBatchedHttpRequests: config.limits.batchOperations > 1,
    // A day: hashes nobody uses any more leave Redis; a client that still sends one is asked for its text again.
    persistedQueries: { cache: persistedQueryCache(redis), ttl: 86_400 },
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownGraceMs }),
      // Cache-control wraps every field resolver in a promise; nothing here uses it.
      ApolloServerPluginCacheControlDisabled(),
      // Apollo's landing page loads Apollo Sandbox from a CDN, which bank networks do not reach: explorerRoutes serves GraphiQL instead.
      ApolloServerPluginLandingPageDisabled(),
      ...(config.partnerSafelist ? [partnerSafelist(partnerOperations)] : []),
      queryCostPlugin(schema, config.limits.cost),
      staffWritesNeedAStaffMember,
      unavailableStatus,
      withheldListErrors,
      telemetryPlugin(metrics),
      operationSpans,
      auditPlugin,
      perOperationState(ds, config, reference, keyring),
    ],
  });
  await apollo.start();

  app.use(assignRequestId);

  app.use(health.routes());
  if (metrics) {
    app.get('/metrics', async (_req, res) => {
      try {
        res.type(metrics.registry.contentType).send(await scrape(metrics.registry));
      } catch (error) {
        logger.error({ reason: (error as Error).message }, 'metrics scrape failed');
        res.status(503).type('text/plain').send('metrics unavailable\n');
      }
    });
  }

  if (config.explorerEnabled) app.use(explorerRoutes());

  const graphql = graphqlHttp(apollo, {
    bodyBytes: config.limits.bodyBytes,
    batchOperations: config.limits.batchOperations,
    registry: partnerOperations,
    metrics,
    trustProxy: app.get('trust proxy fn'),
    context: async ({ req, requestId, trace, ip, operations }): Promise<RequestContext> => {
      try {
        // Authentication comes first: without a valid token nothing else runs.
        const address = ip ?? 'unknown';
        await rateLimits.failedAuthentication.check(address);
        const principal = await verifyToken(req.headers.authorization).catch(async (error: unknown) => {
          await rateLimits.failedAuthentication.recordFailure(address);
          throw error;
        });
        trace.principalId = principal.id;
        await rateLimits.perPrincipal(principal, operations.length);
        // Apollo creates the context before it parses. Later is too late for one error: a hook that throws
        // before validation answers 500, and a validation rule runs beside graphql's, which report each copy.
        for (const operation of operations) refuseDirectiveFlood((operation as { query?: unknown } | undefined)?.query);
        const today = businessToday(config.businessTimeZone);
        const audit = new AuditTrail();
        const privacy = new RequestPrivacy(principal, privacyPolicy(), config.privacy.kAnonymityMin, shadow);
        const scope = rowScopeFor(principal, privacy);
        return {
          requestId,
          trace,
          principal,
          privacy,
          scope,
          audit,
          // Node joins a repeated header of this kind into one string, as Express's req.header() read it.
          idempotencyKey: idempotencyKeyOf(req.headers['idempotency-key'] as string | undefined),
          today,
          services,
          reads,
          // Built by perOperationState once the operation is known (a mutation reads from the primary).
          loaders: LOADERS_NOT_YET_BUILT,
        };
      } catch (error) {
        throw refusal(error);
      }
    },
  });
  // What isGraphQLPost leaves to Express (a GET the explorer may answer, other methods, other spellings of the path) reaches the same handler.
  app.use('/graphql', (req, res) => graphql(req, res, res.locals.requestId as string));
  httpServer.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (isGraphQLPost(req)) withRequestId(res, (requestId) => graphql(req, res, requestId));
    else app(req, res);
  });

  app.use((_req, res) => {
    res.status(404).json(errorBody('NOT_FOUND', 'Not found', res.locals.requestId));
  });

  // Errors of Express's routes answer in GraphQL's shape, not Express's HTML.
  app.use(
    (
      error: { status?: number; type?: string; field?: unknown },
      _req: express.Request,
      res: express.Response,
      next: express.NextFunction,
    ) => {
      if (res.headersSent) return next(error);
      answerRefused(res, error, res.locals.requestId);
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
    metrics,
    async stop() {
      health.startDraining();
      if (config.shutdownDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs));
      await apollo.stop();
      if (redis) await disconnectRedis(redis);
    },
  };
}

/** An Idempotency-Key must be 1 to 200 visible ASCII characters; a malformed one is refused, not ignored. */
function idempotencyKeyOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (/^[\x21-\x7e]{1,200}$/.test(header)) return header;
  throw appError('BAD_REQUEST', 'Idempotency-Key must be 1 to 200 visible ASCII characters', {
    http: { status: 400 },
  });
}
