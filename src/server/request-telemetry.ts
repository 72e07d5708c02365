import type { ServerResponse } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../request/context';
import type { RequestTrace } from '../request/trace';
import { currentTraceparent } from '../telemetry/operation-spans';
import { logger } from '../telemetry/logger';
import type { Metrics } from './metrics';

/** Outcomes of requests refused before GraphQL ran (no error list reached us). */
const STATUS_OUTCOMES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  413: 'BAD_REQUEST',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/**
 * One JSON log line and one metrics sample per request, when the response
 * has been sent: request id, operation, principal id, status, outcome and
 * duration, and the trace id when traces are exported. Never variables, arguments or results: they hold personal data.
 */
export function traceRequest(res: ServerResponse, requestId: string, metrics?: Metrics): RequestTrace {
  const started = process.hrtime.bigint();
  const trace: RequestTrace = { requestId };
  // Read now: the HTTP server span is the active one only until the body is parsed.
  const traced = currentTraceparent();
  if (traced) res.setHeader('traceparent', traced.traceparent);
  // 'close' also fires for a request the client abandoned, which 'finish' never reports.
  res.on('close', () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    // A response replaced after GraphQL ran (the audit write failing) or refused before it has only its status.
    const outcome =
      res.statusCode < 400 || (trace.outcome && trace.outcome !== 'success')
        ? (trace.outcome ?? 'success')
        : (STATUS_OUTCOMES[res.statusCode] ?? 'INTERNAL_SERVER_ERROR');
    // Only operations that resolved for a verified caller name a series: anyone else could invent names.
    const operation = trace.operation ? (metrics?.operationLabel(trace.operation) ?? trace.operation) : 'unknown';
    logger.info(
      {
        requestId: trace.requestId,
        traceId: traced?.traceId,
        operation,
        principalId: trace.principalId,
        status: res.statusCode,
        outcome,
        reader: trace.reader,
        directReadFailed: trace.directReadFailed,
        durationMs: Math.round(seconds * 1000),
      },
      'request',
    );
    if (metrics) {
      metrics.requests.inc({ operation, outcome, status: String(res.statusCode) });
      metrics.duration.observe({ operation, outcome }, seconds);
      if (trace.reader === 'direct') metrics.directReads.inc({ outcome: 'direct', sqlstate: '' });
      // A SQLSTATE is five characters of a fixed alphabet (or 'error'): a bounded label.
      if (trace.directReadFailed) metrics.directReads.inc({ outcome: 'failed', sqlstate: trace.directReadFailed });
    }
  });
  return trace;
}

/** Tells the trace which operation ran and how it ended; counts errors by code. */
export function telemetryPlugin(metrics?: Metrics): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operationName }) {
          contextValue.trace.operation = operationName ?? 'anonymous';
        },
        async willSendResponse({ contextValue, response }) {
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          contextValue.trace.outcome = errors?.length ? String(errors[0].extensions?.code) : 'success';
          for (const error of errors ?? []) metrics?.errors.inc({ code: String(error.extensions?.code) });
        },
      };
    },
  };
}
