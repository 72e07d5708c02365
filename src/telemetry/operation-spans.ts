import type { ApolloServerPlugin } from '@apollo/server';
import {
  Attributes,
  AttributeValue,
  context,
  createContextKey,
  Exception,
  Link,
  Span,
  SpanContext,
  SpanKind,
  SpanStatus,
  SpanStatusCode,
  TimeInput,
  trace,
} from '@opentelemetry/api';
import type { ServerResponse } from 'node:http';

const tracer = trace.getTracer('customer360-gateway');
const SLOT = createContextKey('customer360 operation slot');

/**
 * The request's trace, as a `traceparent` value, when traces are exported;
 * read while the HTTP server span is active (before the body is parsed).
 */
export function currentTraceparent(): { traceId: string; traceparent: string } | undefined {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return undefined;
  const { traceId, spanId, traceFlags } = span.spanContext();
  return { traceId, traceparent: `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}` };
}

/**
 * Where the SQL of a GraphQL operation finds its parent. An Apollo plugin
 * can see an operation start and end but cannot run the execution inside a
 * context of its own, so the execution runs inside this stand-in, entered
 * just before Apollo's middleware: while exactly one operation of the
 * request is open it stands for that operation's span, otherwise for the
 * HTTP request's (the operations of a batch run at once, and which one a
 * statement belongs to is unknowable).
 */
class OperationSlot implements Span {
  private readonly open = new Set<Span>();
  constructor(readonly request: Span) {}

  begin(span: Span) {
    this.open.add(span);
  }
  finishAll() {
    for (const span of this.open) span.end();
    this.open.clear();
  }
  private get current(): Span {
    return this.open.size === 1 ? this.open.values().next().value! : this.request;
  }

  spanContext(): SpanContext {
    return this.current.spanContext();
  }
  setAttribute(key: string, value: AttributeValue): this {
    this.current.setAttribute(key, value);
    return this;
  }
  setAttributes(attributes: Attributes): this {
    this.current.setAttributes(attributes);
    return this;
  }
  addEvent(name: string, attributesOrStartTime?: Attributes | TimeInput, startTime?: TimeInput): this {
    this.current.addEvent(name, attributesOrStartTime, startTime);
    return this;
  }
  addLink(link: Link): this {
    this.current.addLink(link);
    return this;
  }
  addLinks(links: Link[]): this {
    this.current.addLinks(links);
    return this;
  }
  setStatus(status: SpanStatus): this {
    this.current.setStatus(status);
    return this;
  }
  updateName(name: string): this {
    this.current.updateName(name);
    return this;
  }
  end(): void {
    // The HTTP instrumentation ends the request's span; operations end in the plugin.
  }
  isRecording(): boolean {
    return this.current.isRecording();
  }
  recordException(exception: Exception, time?: TimeInput): void {
    this.current.recordException(exception, time);
  }
}

/** Runs the rest of the request inside its operation slot. Nothing happens when traces are off. */
export function operationScope(res: ServerResponse, next: () => void): void {
  const request = trace.getActiveSpan();
  if (!request?.isRecording()) return next();
  const slot = new OperationSlot(request);
  // Operations end with the response, not in willSendResponse: the read's audit record is written after
  // that hook, and is the operation's work. 'close' covers a client gone before the response was finished.
  res.once('finish', () => slot.finishAll());
  res.once('close', () => slot.finishAll());
  context.with(trace.setSpan(context.active(), slot).setValue(SLOT, slot), next);
}

/**
 * A span per GraphQL operation, named `query Customer360` as the semantic
 * conventions ask: its type and the client's operation name. Never the
 * document (literals in it may be personal data), variables or results.
 */
export const operationSpans: ApolloServerPlugin = {
  async requestDidStart() {
    const slot = context.active().getValue(SLOT) as OperationSlot | undefined;
    if (!slot) return;
    const span = tracer.startSpan(
      'graphql',
      { kind: SpanKind.INTERNAL },
      trace.setSpan(context.active(), slot.request),
    );
    slot.begin(span);
    return {
      async didResolveOperation({ operation, operationName }) {
        if (!operation) return;
        span.updateName(operationName ? `${operation.operation} ${operationName}` : operation.operation);
        span.setAttribute('graphql.operation.type', operation.operation);
        if (operationName) span.setAttribute('graphql.operation.name', operationName);
      },
      async willSendResponse({ response }) {
        const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
        // The code only: an error's message may quote what the client sent.
        if (errors?.length) span.setStatus({ code: SpanStatusCode.ERROR, message: String(errors[0].extensions?.code) });
      },
    };
  },
};
