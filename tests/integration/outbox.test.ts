import { createServer } from 'node:net';
import { Registry } from 'prom-client';
import { Role } from '../../src/auth/roles';
import { Broker, connectBroker } from '../../src/broker/nats';
import { eventsOutStream } from '../../src/broker/streams';
import { CampaignStatus } from '../../src/modules/campaign/campaign.enums';
import { ConsentPurpose } from '../../src/modules/consent/consent.enums';
import { Channel, InteractionType } from '../../src/modules/interaction/interaction.enums';
import { claimUnpublished, suppressEventsInTransaction } from '../../src/events/outbox';
import { OutboxRelay } from '../../src/events/outbox-relay';
import { applyRows, validateRow } from '../../src/ingest/apply';
import { createDataSource } from '../../src/db/data-source';
import { Factory } from '../support/factories';
import { startServerProcess, type ServerProcess } from '../support/server-process';
import { useTestApp } from '../support/test-app';
import { createTestDatabase } from '../support/test-database';

/**
 * Events out (issue #17 item 4) against the real PostgreSQL and the real
 * NATS JetStream: the triggers write events in the writer's transaction,
 * the relay publishes them after commit, at least once, with the event id
 * as JetStream's idempotency key. A prefix of its own keeps this file's
 * stream apart from any other run's.
 */
const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const PREFIX = `c360test_outbox_${process.pid}`;
const STREAM = eventsOutStream(PREFIX).name;

const { app, make } = useTestApp();
let broker: Broker;
let relay: OutboxRelay;
const registries = new Map<OutboxRelay, Registry>();

function newRelay(options: Partial<ConstructorParameters<typeof OutboxRelay>[0]> = {}) {
  const registry = new Registry();
  const created = new OutboxRelay({
    ds: app.ds,
    registry,
    connectBroker: () => connectBroker({ url: NATS_URL, subjectPrefix: PREFIX }),
    retentionHours: 72,
    publishedRetentionHours: 24,
    ...options,
  });
  registries.set(created, registry);
  return created;
}

beforeAll(async () => {
  broker = await connectBroker({ url: NATS_URL, subjectPrefix: PREFIX });
  relay = newRelay();
});

afterAll(async () => {
  await relay?.stop();
  await broker?.manager.streams.delete(STREAM).catch(() => undefined);
  await broker?.drain();
});

// Each test starts with an empty outbox and an empty stream.
beforeEach(async () => {
  await app.ds.query(`DELETE FROM outbox_event`);
  await broker.manager.streams.purge(STREAM).catch(() => undefined);
});

it('claims unpublished events oldest first by number, across a power of ten (not by their text)', async () => {
  // Ids that cross the next power of ten: as text, '100' sorts before '96'.
  const [{ last }] = await app.ds.query(
    `SELECT last_value::bigint AS last FROM pg_sequences WHERE sequencename = 'outbox_event_id_seq'`,
  );
  const boundary = 10 ** String(Number(last ?? 1) + 10).length;
  await app.ds.query(`SELECT setval('outbox_event_id_seq', $1::bigint)`, [boundary - 5]);
  await app.ds.query(
    `INSERT INTO outbox_event (type, aggregate_id, payload)
     SELECT 'test.ordered', gen_random_uuid(), jsonb_build_object('n', n) FROM generate_series(1, 10) AS n`,
  );
  const claimed = await app.ds.transaction((em) => claimUnpublished(em, 5));
  expect(claimed.map((event) => Number(event.id))).toEqual([-4, -3, -2, -1, 0].map((d) => boundary + d));
});

interface Published {
  subject: string;
  msgId: string | undefined;
  raw: string;
  body: { eventId: string; type: string; occurredAt: string; data: Record<string, unknown> };
}

async function publishedMessages(): Promise<Published[]> {
  const info = await broker.manager.streams.info(STREAM).catch(() => undefined);
  if (!info) return []; // not created yet: nothing was relayed
  const { state } = info;
  const messages: Published[] = [];
  for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
    const message = await broker.manager.streams.getMessage(STREAM, { seq });
    if (!message) continue;
    messages.push({
      subject: message.subject,
      msgId: message.header?.get('Nats-Msg-Id'),
      raw: message.string(),
      body: message.json(),
    });
  }
  return messages;
}

async function relayAll(): Promise<void> {
  const outcome = await relay.relayBatch();
  expect(outcome).toMatchObject({ status: 'published' });
}

async function outboxRows(): Promise<{ type: string; published: boolean }[]> {
  return app.ds.query(`SELECT type, published_at IS NOT NULL AS published FROM outbox_event ORDER BY id`);
}

async function metricValue(of: OutboxRelay, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await registries.get(of)!.getSingleMetric(name)?.get();
  const entry = metric?.values.find((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value));
  return entry?.value ?? 0;
}

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A customer whose personal values are all distinctive, to look for in the raw messages. */
async function customerWithPersonalData() {
  const rm = await make.staff();
  const customer = await make.customer({
    branchId: rm.branchId,
    relationshipManagerId: rm.id,
    name: '欧阳娜娜',
    phone: '13912345678',
    email: 'ouyang.nana@example.com',
    addressStreet: '长安街1号',
  });
  const personal = [
    customer.name,
    customer.phone,
    customer.email,
    customer.idNumber,
    customer.addressStreet,
    customer.customerNo,
  ].filter((value): value is string => Boolean(value));
  const as = { sub: rm.id, roles: [Role.RELATIONSHIP_MANAGER], branchId: rm.branchId };
  return { rm, customer, personal, as };
}

function expectNoneOf(values: string[], raw: string) {
  for (const value of values) expect({ value, found: raw.includes(value) }).toEqual({ value, found: false });
}

const CONSENT = `mutation ($c: ID!, $p: ConsentPurpose!, $ch: Channel, $g: Boolean!) {
  updateConsent(customerId: $c, purpose: $p, channel: $ch, granted: $g) { granted } }`;
const RECORD = `mutation ($input: RecordInteractionInput!) { recordInteraction(input: $input) { id } }`;
const RESPOND = `mutation ($input: CampaignResponseInput!) { recordCampaignResponse(input: $input) { status } }`;

describe('events out, through the API', () => {
  it('publishes one consent.changed per changed decision, with ids and the decision only', async () => {
    const { customer, personal, as } = await customerWithPersonalData();
    const publishedBefore = await metricValue(relay, 'outbox_events_published_total', { type: 'consent.changed' });
    const decide = (granted: boolean) =>
      app.gql(CONSENT, { c: customer.id, p: 'MARKETING', ch: 'WECHAT', g: granted }, { as });
    expect((await decide(false)).data.updateConsent).toEqual({ granted: false });
    // The same decision again rewrites the row (updated_at) but changes nothing a consumer follows.
    expect((await decide(false)).data.updateConsent).toEqual({ granted: false });
    await relayAll();

    const messages = await publishedMessages();
    expect(messages).toHaveLength(1);
    const [message] = messages;
    expect(message.subject).toBe(`${PREFIX}.out.consent.changed`);
    expect(Object.keys(message.body).sort()).toEqual(['data', 'eventId', 'occurredAt', 'type']);
    expect(message.msgId).toBe(message.body.eventId);
    expect(message.body.type).toBe('consent.changed');
    expect(message.body.data).toEqual({
      customerId: customer.id,
      purpose: ConsentPurpose.MARKETING,
      channel: Channel.WECHAT,
      granted: false,
    });
    expectNoneOf(personal, message.raw);
    expect(await outboxRows()).toEqual([{ type: 'consent.changed', published: true }]);
    expect(await metricValue(relay, 'outbox_events_published_total', { type: 'consent.changed' })).toBe(
      publishedBefore + 1,
    );
  });

  it('publishes one enrollment.status_changed for a campaign response, with the old and new status', async () => {
    const { customer, personal, as } = await customerWithPersonalData();
    const campaign = await make.campaign({ status: CampaignStatus.ACTIVE, channels: [Channel.MOBILE_APP] });
    const enrolment = await make.enrollment(campaign.id, customer.id);
    await app.ds.query(`DELETE FROM outbox_event`); // the enrolment's own event (TARGETED) is not this test's

    const res = await app.gql(
      RESPOND,
      { input: { campaignId: campaign.id, customerNo: customer.customerNo, converted: false } },
      { as },
    );
    expect(res.data.recordCampaignResponse).toEqual({ status: 'RESPONDED' });
    await relayAll();

    const messages = await publishedMessages();
    expect(messages.map((m) => m.subject)).toEqual([`${PREFIX}.out.enrollment.status_changed`]);
    expect(messages[0].body.data).toEqual({
      enrollmentId: enrolment.id,
      campaignId: campaign.id,
      customerId: customer.id,
      status: 'RESPONDED',
      previousStatus: 'TARGETED',
      channel: Channel.MOBILE_APP,
    });
    expectNoneOf(personal, messages[0].raw);
  });

  it('publishes one interaction.recorded for recordInteraction, without its summary or outcome', async () => {
    const { customer, personal, as } = await customerWithPersonalData();
    const summary = '客户咨询房贷提前还款事宜';
    const outcome = '已转交贷款专员回电';
    const res = await app.gql(
      RECORD,
      {
        input: {
          customerNo: customer.customerNo,
          channel: Channel.BRANCH,
          type: InteractionType.INQUIRY,
          occurredAt: '2026-11-20T02:03:04.005Z',
          summary,
          outcome,
        },
      },
      { as },
    );
    expect(res.errors).toBeUndefined();
    await relayAll();

    const messages = await publishedMessages();
    expect(messages.map((m) => m.subject)).toEqual([`${PREFIX}.out.interaction.recorded`]);
    expect(messages[0].body.data).toEqual({
      interactionId: res.data.recordInteraction.id,
      customerId: customer.id,
      channel: Channel.BRANCH,
      type: InteractionType.INQUIRY,
      campaignId: null,
      occurredAt: '2026-11-20T02:03:04.005Z',
    });
    expectNoneOf([...personal, summary, outcome], messages[0].raw);
  });
});

describe('what emits an event', () => {
  it('leaves no event for a rolled-back write', async () => {
    const customer = await make.customer();
    const campaign = await make.campaign({ status: CampaignStatus.ACTIVE });
    await app.ds.query(`DELETE FROM outbox_event`);
    await expect(
      app.ds.transaction(async (em) => {
        await em.query(`INSERT INTO consent (customer_id, purpose, granted) VALUES ($1, 'PARTNER_SHARING', true)`, [
          customer.id,
        ]);
        await em.query(
          `INSERT INTO interaction (customer_id, channel, type, occurred_at) VALUES ($1, 'WEB', 'LOGIN', now())`,
          [customer.id],
        );
        await em.query(`INSERT INTO campaign_enrollment (campaign_id, customer_id, channel) VALUES ($1, $2, 'WEB')`, [
          campaign.id,
          customer.id,
        ]);
        // Inside the transaction the events exist, so that they commit with the change.
        const [{ count }] = await em.query(`SELECT count(*)::int AS count FROM outbox_event`);
        expect(count).toBe(3);
        throw new Error('rolled back on purpose');
      }),
    ).rejects.toThrow('rolled back on purpose');
    expect(await outboxRows()).toEqual([]);
  });

  it('emits nothing for an update that changes no decision or status, and one event per changed row of a set-based update', async () => {
    const customer = await make.customer();
    const campaign = await make.campaign({ status: CampaignStatus.ACTIVE });
    const others = await Promise.all([make.customer(), make.customer()]);
    for (const c of [customer, ...others]) await make.enrollment(campaign.id, c.id);
    await make.consent(customer.id, { purpose: ConsentPurpose.PARTNER_SHARING, channel: null, granted: true });
    await app.ds.query(`DELETE FROM outbox_event`);

    await app.ds.query(`UPDATE consent SET updated_at = now(), granted = granted WHERE customer_id = $1`, [
      customer.id,
    ]);
    await app.ds.query(`UPDATE campaign_enrollment SET updated_at = now() WHERE campaign_id = $1`, [campaign.id]);
    expect(await outboxRows()).toEqual([]);

    await app.ds.query(
      `UPDATE campaign_enrollment SET status = CASE WHEN customer_id = $2 THEN status ELSE 'CONTACTED' END
       WHERE campaign_id = $1`,
      [campaign.id, customer.id],
    );
    const rows = await app.ds.query(`SELECT payload FROM outbox_event ORDER BY id`);
    expect(rows.map((r: any) => r.payload.customerId).sort()).toEqual(others.map((c) => c.id).sort());
  });

  it('emits interaction.corrected when a source re-delivers an interaction with other values, and nothing for the same values', async () => {
    const customer = await make.customer();
    const delivery = (channel: Channel, summary: string) => {
      const result = validateRow('interactions', {
        source_system: 'core',
        source_ref: `ref-${customer.id}`,
        customer_no: customer.customerNo,
        channel,
        type: InteractionType.INQUIRY,
        occurred_at: '2026-11-20T02:03:04.005Z',
        summary,
      });
      if (!result.ok) throw new Error(result.reason);
      return app.ds.transaction((em) => applyRows(em, 'interactions', [result.row]));
    };
    await delivery(Channel.BRANCH, '咨询理财产品');
    await delivery(Channel.BRANCH, '咨询理财产品');
    expect(await outboxRows()).toEqual([{ type: 'interaction.recorded', published: false }]);

    await delivery(Channel.CALL_CENTER, '咨询理财产品（已更正）');
    const rows = await app.ds.query(`SELECT type, payload FROM outbox_event ORDER BY id`);
    expect(rows.map((r: any) => r.type)).toEqual(['interaction.recorded', 'interaction.corrected']);
    expect(rows[1].payload).toMatchObject({ customerId: customer.id, channel: Channel.CALL_CENTER });
    expect(JSON.stringify(rows[1].payload)).not.toContain('咨询');
  });

  it('gives two changes of one consent occurredAt in the order they were written, though the later one’s transaction began first', async () => {
    const customer = await make.partnerSharedCustomer();
    await app.ds.query(`DELETE FROM outbox_event`);
    const decide = `UPDATE consent SET granted = $2 WHERE customer_id = $1 AND purpose = 'PARTNER_SHARING'`;
    const slow = app.ds.createQueryRunner();
    try {
      await slow.startTransaction();
      await slow.query(`SELECT now()`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await app.ds.query(decide, [customer.id, false]);
      await slow.query(decide, [customer.id, true]);
      await slow.commitTransaction();
    } finally {
      await slow.release();
    }
    await relayAll();

    // A consumer follows the documented rule: the latest occurredAt is the decision in force.
    const messages = (await publishedMessages()).map((m) => m.body);
    expect(messages).toHaveLength(2);
    const latest = messages.reduce((a, b) => (b.occurredAt > a.occurredAt ? b : a));
    const [{ granted }] = await app.ds.query(`SELECT granted FROM consent WHERE customer_id = $1`, [customer.id]);
    expect(granted).toBe(true);
    expect(latest.data.granted).toBe(granted);
    expect(messages[0].occurredAt).not.toBe(messages[1].occurredAt);
  });

  it('emits nothing for writes marked as synthetic (the demo seed)', async () => {
    const customer = await make.customer();
    await app.ds.transaction(async (em) => {
      await suppressEventsInTransaction(em);
      await em.query(
        `INSERT INTO interaction (customer_id, channel, type, occurred_at) VALUES ($1, 'WEB', 'LOGIN', now())`,
        [customer.id],
      );
    });
    expect(await outboxRows()).toEqual([]);
    // Only that transaction: the next write on the same pooled connection emits again.
    await make.interaction(customer.id);
    expect(await outboxRows()).toEqual([{ type: 'interaction.recorded', published: false }]);
  });
});

describe('delivery', () => {
  it('republishing an event already on the stream is dropped by its id (at least once, delivered once)', async () => {
    const customer = await make.customer();
    await make.interaction(customer.id);
    await relayAll();
    // A relay that crashed after the ack and before its commit: the event is still unpublished in the outbox.
    await app.ds.query(`UPDATE outbox_event SET published_at = NULL`);
    await relayAll();

    expect(await outboxRows()).toEqual([{ type: 'interaction.recorded', published: true }]);
    const messages = await publishedMessages();
    expect(messages).toHaveLength(1);
    const { duplicate_window } = (await broker.manager.streams.info(STREAM)).config;
    expect(duplicate_window).toBeGreaterThanOrEqual(5 * 60 * 1e9);
  });

  it('keeps events while the broker is unreachable and relays them, in order, once it is reachable', async () => {
    const closedPort = await freePort();
    let url = `nats://127.0.0.1:${closedPort}`;
    const customer = await make.customer();
    for (let i = 0; i < 3; i++)
      await make.interaction(customer.id, { occurredAt: new Date(Date.UTC(2026, 10, 1 + i)) });

    const outage = newRelay({
      connectBroker: () => connectBroker({ url, subjectPrefix: PREFIX }),
      pollIntervalMs: 20,
      maxBackoffMs: 100,
    });
    outage.start();
    try {
      await eventually(
        async () => (await metricValue(outage, 'outbox_publish_failures_total', { reason: 'unreachable' })) >= 3,
        'three failed attempts',
      );
      expect((await outboxRows()).map((r) => r.published)).toEqual([false, false, false]);
      expect(await publishedMessages()).toEqual([]);

      url = NATS_URL;
      await eventually(async () => (await outboxRows()).every((r) => r.published), 'the events to be relayed');
    } finally {
      await outage.stop();
    }
    const messages = await publishedMessages();
    expect(messages.map((m) => m.body.data.occurredAt)).toEqual([
      '2026-11-01T00:00:00.000Z',
      '2026-11-02T00:00:00.000Z',
      '2026-11-03T00:00:00.000Z',
    ]);
  });

  it('stops after its batch in flight: what is on the stream is exactly what is marked published', async () => {
    const customer = await make.customer();
    for (let i = 0; i < 30; i++) await make.interaction(customer.id);
    const looping = newRelay({ batchSize: 7, pollIntervalMs: 10 });
    looping.start();
    await eventually(async () => (await metricValue(looping, 'outbox_events_published_total')) > 0, 'a first batch');
    await looping.stop();

    const published = await app.ds.query(`SELECT event_id FROM outbox_event WHERE published_at IS NOT NULL`);
    const onStream = (await publishedMessages()).map((m) => m.body.eventId);
    expect(onStream.sort()).toEqual(published.map((r: any) => r.event_id).sort());
  });
});

describe('retention and metrics', () => {
  async function eventAged(hours: number, published: boolean): Promise<string> {
    const [{ id }] = await app.ds.query(
      `INSERT INTO outbox_event (type, aggregate_id, payload, created_at, published_at)
       VALUES ('consent.changed', gen_random_uuid(), '{}', now() - make_interval(hours => $1),
               CASE WHEN $2 THEN now() - make_interval(hours => $1) END)
       RETURNING id::text AS id`,
      [hours, published],
    );
    return id;
  }

  it('prunes published events after their retention and unpublished ones after theirs, counting those lost', async () => {
    const kept = [await eventAged(23, true), await eventAged(71, false)];
    await eventAged(25, true);
    await eventAged(73, false);
    await eventAged(100, false);

    expect(await relay.prune()).toEqual({ published: 1, unpublished: 2 });
    const left = await app.ds.query(`SELECT id::text AS id FROM outbox_event ORDER BY id`);
    expect(left.map((r: any) => r.id)).toEqual(kept);
    expect(await metricValue(relay, 'outbox_events_pruned_unpublished_total', { type: 'consent.changed' })).toBe(2);
  });

  it('reports the events waiting and the age of the oldest when scraped', async () => {
    await eventAged(2, false);
    await eventAged(1, false);
    await eventAged(3, true);
    const text = await registries.get(relay)!.metrics();
    expect(text).toMatch(/^outbox_events_waiting 2$/m);
    const age = Number(/^outbox_oldest_waiting_event_age_seconds (\S+)$/m.exec(text)?.[1]);
    expect(age).toBeGreaterThanOrEqual(2 * 3600);
    expect(age).toBeLessThan(2 * 3600 + 600);
  });
});

describe('the server process', () => {
  it('relays events written by any writer, reports them at /metrics, and stops cleanly', async () => {
    const prefix = `${PREFIX}_server`;
    const db = await createTestDatabase();
    const ds = createDataSource(db.url, { poolSize: 2 });
    await ds.initialize();
    let server: ServerProcess | undefined;
    try {
      server = await startServerProcess({
        DATABASE_URL: db.url,
        LOG_LEVEL: 'info',
        NATS_URL,
        NATS_SUBJECT_PREFIX: prefix,
      });
      const { child, url, output, exited } = server;
      // Not the API: a write straight to the database (as the bulk loader or the change feed would) emits too.
      const writer = new Factory(() => ds);
      const customer = await writer.partnerSharedCustomer();

      const stream = eventsOutStream(prefix).name;
      await eventually(
        async () => ((await broker.manager.streams.info(stream).catch(() => undefined))?.state.messages ?? 0) > 0,
        'the server to relay the event',
      );
      const message = await broker.manager.streams.getMessage(stream, { seq: 1 });
      expect(message?.subject).toBe(`${prefix}.out.consent.changed`);
      expect(message?.json<{ data: unknown }>().data).toMatchObject({ customerId: customer.id, granted: true });

      // The broker has the event before the relay counts it and commits it as published: the metrics follow.
      const PUBLISHED = /^outbox_events_published_total\{type="consent.changed"\} 1$/m;
      const NONE_WAITING = /^outbox_events_waiting 0$/m;
      let metrics = '';
      await eventually(async () => {
        metrics = await (await fetch(url.replace('/graphql', '/metrics'))).text();
        return PUBLISHED.test(metrics) && NONE_WAITING.test(metrics);
      }, 'the relay to count the event as published').catch(() => undefined);
      expect(metrics).toMatch(PUBLISHED);
      expect(metrics).toMatch(NONE_WAITING);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output()).not.toMatch(/"level":(50|60)/);
    } finally {
      if (server?.child.exitCode === null) server.child.kill('SIGKILL');
      await broker.manager.streams.delete(eventsOutStream(prefix).name).catch(() => undefined);
      await ds.destroy();
      await db.drop();
    }
  });
});

/** A loopback port nothing listens on. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
