import { BlockList, isIPv4 } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_URL_QUERY } from '@opentelemetry/semantic-conventions';
import type { TracingSettings } from '../config';

/** Probes and scrapes, every few seconds from every load balancer: noise, not traffic. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export interface Tracing {
  shutdown(): Promise<void>;
}

/**
 * Traces for HTTP requests and SQL statements; GraphQL operations get theirs
 * from operationSpans (graphql-jit never calls graphql-js's `execute`, which
 * OpenTelemetry's GraphQL instrumentation hooks). Exported by OTLP over HTTP
 * (the exporter reads OTEL_EXPORTER_OTLP_* itself). `exporter` is for tests.
 */
export function startTracing(settings: TracingSettings, exporter: SpanExporter = new OTLPTraceExporter()): Tracing {
  const trustedCarriers = new WeakSet<object>();
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'customer360-gateway' }).merge(
      // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, when set, win.
      detectResources({ detectors: [envDetector] }),
    ),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  provider.register({ propagator: new TrustedParentPropagator(trustedCarriers) });
  const trusted = blockListOf(settings.trustedProxies);

  new HttpInstrumentation({
    ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has(pathOf(request)),
    // Called before the span's parent is read from the headers: the one place that sees both the socket and the carrier.
    startIncomingSpanHook: (request) => {
      const address = request.socket.remoteAddress;
      if (address && trusted.check(...addressAndFamily(address))) trustedCarriers.add(request.headers);
      // A GET's query string carries the operation's variables: keep only the parameter names.
      const query = request.url?.split('?')[1];
      return query === undefined
        ? {}
        : { [ATTR_URL_QUERY]: [...new URLSearchParams(query).keys()].map((name) => `${name}=REDACTED`).join('&') };
    },
    // The gateway calls no HTTP service; the exporter's own requests must not trace themselves either.
    disableOutgoingRequestInstrumentation: true,
    // No headersToSpanAttributes: Authorization and every other header stay out of spans.
  });
  new PgInstrumentation({
    // Off is the default; stated because on, it records every statement's bound values (personal data).
    enhancedDatabaseReporting: false,
    // SQL outside a request (migrations, pool upkeep) would each start a trace of its own.
    requireParentSpan: true,
  });
  return { shutdown: () => provider.shutdown() };
}

/**
 * W3C trace context, but a `traceparent` is read only from a request the
 * HTTP hook marked as coming from a trusted proxy: anyone else could join
 * their requests to a trace of their choosing, or pick trace ids to collide
 * with others'. Baggage is never read. Responses carry a `traceparent`
 * written by the request telemetry, not by this propagator.
 */
class TrustedParentPropagator implements TextMapPropagator {
  private readonly w3c = new W3CTraceContextPropagator();
  constructor(private readonly trustedCarriers: WeakSet<object>) {}
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    this.w3c.inject(context, carrier, setter);
  }
  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    if (typeof carrier !== 'object' || carrier === null || !this.trustedCarriers.has(carrier)) return context;
    return this.w3c.extract(context, carrier, getter);
  }
  fields(): string[] {
    return this.w3c.fields();
  }
}

function blockListOf(entries: string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const family = isIPv4(address) ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list;
}

/** A dual-stack socket reports an IPv4 client as `::ffff:a.b.c.d`; the list names it as IPv4. */
function addressAndFamily(address: string): [string, 'ipv4' | 'ipv6'] {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return [mapped[1], 'ipv4'];
  return [address, isIPv4(address) ? 'ipv4' : 'ipv6'];
}

function pathOf(request: IncomingMessage): string {
  return (request.url ?? '').split('?')[0];
}
