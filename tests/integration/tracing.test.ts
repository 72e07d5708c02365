import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { signToken } from '../../src/auth/token-issuer';
import { Role } from '../../src/auth/roles';
import { createDataSource } from '../../src/db/data-source';
import { Factory } from '../support/factories';
import { CUSTOMER_360_FIELDS } from '../support/queries';
import { createTestDatabase } from '../support/test-database';
import { staffId } from '../support/staff-ids';
import { startServerProcess, type ServerProcess } from '../support/server-process';

/**
 * Traces as operators get them: `src/main.ts` in its own process, exporting
 * OTLP (JSON over HTTP) to a collector played by this test. In-process, the
 * SDK's instrumentations never see `http` or `pg` (jest loads modules with a
 * loader of its own, which require hooks do not reach), and only a separate
 * process shows that the instrumentations are registered before the modules
 * they patch are loaded.
 */
const SECRET = 'tracing-test-secret-of-at-least-32-characters';
const AUDITOR = { sub: staffId('tracing-auditor'), roles: [Role.COMPLIANCE_AUDITOR] };
const SERVER = 2;

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
  events?: unknown[];
  scope: string;
}

const received: OtlpSpan[] = [];
let collector: http.Server;
let collectorUrl: string;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
const gateways: ServerProcess[] = [];

beforeAll(async () => {
  collector = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const payload = JSON.parse(body) as {
        resourceSpans: { scopeSpans: { scope: { name: string }; spans: Omit<OtlpSpan, 'scope'>[] }[] }[];
      };
      for (const { scopeSpans } of payload.resourceSpans)
        for (const { scope, spans } of scopeSpans)
          for (const span of spans) received.push({ ...span, scope: scope.name });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  db = await createTestDatabase();
}, 60_000);

afterAll(async () => {
  for (const { child } of gateways) if (child.exitCode === null) child.kill('SIGKILL');
  await new Promise((resolve) => collector.close(resolve));
  await db.drop();
});

async function startGateway(env: Record<string, string>) {
  const server = await startServerProcess({
    DATABASE_URL: db.url,
    JWT_SECRET: SECRET,
    OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
    OTEL_BSP_SCHEDULE_DELAY: '50',
    ...env,
  });
  gateways.push(server);
  return {
    url: server.url,
    logLines: () =>
      server
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

async function read360(url: string, id: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${await signToken(AUDITOR, SECRET, { expiresIn: '5m' })}`,
      ...headers,
    },
    body: JSON.stringify({
      query: `query Customer360($id: ID!) { customer(id: $id) { ${CUSTOMER_360_FIELDS} } }`,
      variables: { id },
      operationName: 'Customer360',
    }),
  });
  return { res, body: (await res.json()) as { data?: any; errors?: any[] } };
}

/** The spans of one trace, once its server span has arrived and nothing new came for a moment. */
async function spansOf(traceId: string): Promise<OtlpSpan[]> {
  const deadline = Date.now() + 10_000;
  let seen = -1;
  for (;;) {
    const spans = received.filter((span) => span.traceId === traceId);
    if (spans.some((span) => span.kind === SERVER) && spans.length === seen) return spans;
    if (Date.now() > deadline) throw new Error(`trace ${traceId}: ${spans.length} spans, no server span`);
    seen = spans.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value && Object.values(value)[0];
};

/** A W3C traceparent a client might send: its trace id is the one a server must not adopt unless trusted. */
const CLIENT_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_TRACEPARENT = `00-${CLIENT_TRACE_ID}-00f067aa0ba902b7-01`;

describe('OpenTelemetry traces', () => {
  let customer: { id: string; name: string; phone: string; idNumber: string };
  let gateway: Awaited<ReturnType<typeof startGateway>>;

  beforeAll(async () => {
    const ds = createDataSource(db.url, { poolSize: 1 });
    await ds.initialize();
    try {
      const make = new Factory(ds);
      const branch = await make.branch();
      customer = await make.customer({ branchId: branch.id, name: '欧阳追踪', phone: '13900112233' });
    } finally {
      await ds.destroy();
    }
    gateway = await startGateway({});
  }, 60_000);

  it('spans a 360° read: request, operation, its SQL; none holds personal data', async () => {
    const { res, body } = await read360(gateway.url, customer.id, { traceparent: CLIENT_TRACEPARENT });
    expect(body.errors).toBeUndefined();
    expect(body.data.customer.phone).toBe(customer.phone);

    const traceparent = res.headers.get('traceparent');
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    const traceId = traceparent!.split('-')[1];
    // Not from an allowed proxy (none by default): the client's trace is not joined.
    expect(traceId).not.toBe(CLIENT_TRACE_ID);
    // The request id stays the server's own.
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    const spans = await spansOf(traceId);
    const server = spans.filter((span) => span.kind === SERVER);
    expect(server).toHaveLength(1);
    expect(server[0].parentSpanId ?? '').toBe('');
    expect(attribute(server[0], 'http.request.method')).toBe('POST');
    expect(attribute(server[0], 'url.path')).toBe('/graphql');
    expect(server[0].spanId).toBe(traceparent!.split('-')[2]);

    const operation = spans.filter((span) => span.name === 'query Customer360');
    expect(operation).toHaveLength(1);
    expect(operation[0].parentSpanId).toBe(server[0].spanId);
    expect(attribute(operation[0], 'graphql.operation.type')).toBe('query');
    expect(attribute(operation[0], 'graphql.operation.name')).toBe('Customer360');

    const sql = spans.filter((span) => span.scope === '@opentelemetry/instrumentation-pg');
    const statements = sql.filter((span) => attribute(span, 'db.query.text') ?? attribute(span, 'db.statement'));
    expect(statements.length).toBeGreaterThan(0);
    for (const span of sql) expect([operation[0].spanId, ...sql.map((s) => s.spanId)]).toContain(span.parentSpanId);

    const everything = JSON.stringify(spans.map(({ name, attributes, events }) => ({ name, attributes, events })));
    for (const personal of [customer.phone, customer.idNumber, customer.name, customer.id]) {
      expect(everything).not.toContain(personal);
    }
    expect(everything).not.toMatch(/bearer|authorization/i);

    const line = gateway
      .logLines()
      .find((entry) => entry.msg === 'request' && entry.requestId === res.headers.get('x-request-id'));
    expect(line?.traceId).toBe(traceId);
  });

  it('joins a caller’s trace only from a trusted proxy', async () => {
    const trusting = await startGateway({ OTEL_TRUSTED_PROXIES: '127.0.0.1,::1' });
    const { res } = await read360(trusting.url, customer.id, { traceparent: CLIENT_TRACEPARENT });
    expect(res.headers.get('traceparent')?.split('-')[1]).toBe(CLIENT_TRACE_ID);
    const server = (await spansOf(CLIENT_TRACE_ID)).filter((span) => span.kind === SERVER);
    expect(server.map((span) => span.parentSpanId)).toEqual(['00f067aa0ba902b7']);
  }, 60_000);
});
