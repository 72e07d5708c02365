import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Registry } from 'prom-client';
import { silentLog } from '../../src/broker/log';
import { Broker, connectBroker } from '../../src/broker/nats';
import { changeFeedStream, changeSubject, deadLetterStream, eventsOutStream } from '../../src/broker/streams';
import { addDays, businessToday } from '../../src/common/business-date';
import { loadConfig } from '../../src/config';
import { naturalKeyOf } from '../../src/ingest/apply';
import { ChangeFeedConsumer } from '../../src/ingest/feed/consumer';
import type { KindName } from '../../src/ingest/kinds';
import { FeedMetrics } from '../../src/ingest/feed/feed-metrics';
import { SegmentRefresher } from '../../src/modules/customer/segment-refresh-loop';
import { requestSegmentRefresh } from '../../src/modules/customer/segment-refresh-request';
import { ProductType } from '../../src/modules/holding/holding.enums';
import { waitForSegmentRefresh } from '../support/segment-refresh';
import { startServerProcess, type ServerProcess } from '../support/server-process';
import { useTestApp } from '../support/test-app';

/**
 * The change feed (issue #17 item 2) against the real PostgreSQL and the
 * real NATS JetStream: events are applied once, per entity the newest,
 * refused ones go to the dead-letter stream without their values, and a
 * consumer that dies mid-batch leaves its events to be redelivered and
 * applied once. A prefix of its own keeps this file's streams apart.
 */
const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const PREFIX = `c360test_feed_${process.pid}`;
const ACK_WAIT_MS = 2_000;
const config = loadConfig({
  NATS_URL,
  NATS_SUBJECT_PREFIX: PREFIX,
  INGEST_ACK_WAIT_MS: String(ACK_WAIT_MS),
  INGEST_STATEMENT_TIMEOUT_MS: String(ACK_WAIT_MS - 500),
});

const { app, make } = useTestApp();
let broker: Broker;
let consumer: ChangeFeedConsumer | undefined;
let refresher: SegmentRefresher;
let registry: Registry;

function startConsumer() {
  registry = new Registry();
  const metrics: FeedMetrics = new FeedMetrics(registry, () => consumer!.pending());
  consumer = new ChangeFeedConsumer(app.ds, broker, { ...config.ingest, batchSize: 50 }, metrics, silentLog);
  return consumer.start();
}

let eventNo = 0;
async function publish(kind: string, key: string, version: number | string, data: object, eventId = `e${++eventNo}`) {
  await broker.jetstream.publish(
    changeSubject(PREFIX, kind),
    JSON.stringify({ eventId, source: 'test', key, version, data }),
  );
  return eventId;
}

/** Until the broker has nothing this consumer has not acknowledged: every published event is committed here. */
async function drained(timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while ((await consumer!.pending()) !== 0) {
    if (Date.now() > deadline) throw new Error('change feed not drained');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function counted(outcome: string): Promise<number> {
  const metric = await registry.getSingleMetric('ingest_events_total')!.get();
  return metric.values.filter((v) => v.labels.outcome === outcome).reduce((sum, v) => sum + v.value, 0);
}

/** Every dead letter on the stream so far, oldest first. */
async function deadLetters(): Promise<Record<string, unknown>[]> {
  const stream = deadLetterStream(PREFIX).name;
  const { state } = await broker.manager.streams.info(stream);
  const letters = [];
  for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
    const message = await broker.manager.streams.getMessage(stream, { seq });
    if (message) letters.push(message.json<Record<string, unknown>>());
  }
  return letters;
}

async function holdingFor(customerNo: string, balance: string) {
  const customer = await make.customer({ customerNo, birthDate: '1985-06-15' });
  const product = await make.product({ type: ProductType.FUND });
  const holding = await make.holding(customer.id, { productId: product.id, balance });
  return { customer, product, holding };
}

const holdingRow = (h: Awaited<ReturnType<typeof holdingFor>>, balance: string) => ({
  account_no: h.holding.accountNo,
  customer_no: h.customer.customerNo,
  product_code: h.product.code,
  balance,
  currency: 'CNY',
  opened_on: '2024-01-01',
  status: 'ACTIVE',
});

/** A consent event granting partner sharing, on a server's own prefix. */
async function publishPartnerSharing(prefix: string, customerNo: string, eventId: string) {
  await broker.jetstream.publish(
    changeSubject(prefix, 'consents'),
    JSON.stringify({
      eventId,
      source: 'crm',
      key: `${customerNo}|PARTNER_SHARING|`,
      version: 1,
      data: { customer_no: customerNo, purpose: 'PARTNER_SHARING', granted: true },
    }),
  );
}

/** Once the server's change feed takes events (its streams exist then); answers a scrape of its /metrics. */
async function feedRunningIn(server: ServerProcess): Promise<() => Promise<string>> {
  const scrape = async () => (await fetch(server.url.replace('/graphql', '/metrics'))).text();
  const deadline = Date.now() + 30_000;
  while (!/^ingest_consumer_running 1$/m.test(await scrape())) {
    if (Date.now() > deadline) throw new Error(`the server's change feed never ran:\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return scrape;
}

// Hooks inside a describe run before the test app's own afterAll closes the database.
describe('the change feed on NATS JetStream', () => {
  beforeAll(async () => {
    broker = await connectBroker({ url: NATS_URL, subjectPrefix: PREFIX });
    refresher = new SegmentRefresher(
      app.ds,
      { ...config, segmentRefresh: { ...config.segmentRefresh, pollMs: 50 } },
      {
        log: silentLog,
      },
    );
    refresher.start();
  });

  afterAll(async () => {
    await consumer?.stop();
    await refresher?.stop();
    for (const stream of [changeFeedStream(PREFIX), deadLetterStream(PREFIX)]) {
      await broker?.manager.streams.delete(stream.name).catch(() => undefined);
    }
    await broker?.drain();
  });

  describe('change feed', () => {
    beforeAll(() => startConsumer());
    afterAll(() => consumer?.stop());

    it('a balance change re-derives tier and churn signals once the refresh queue drains', async () => {
      const h = await holdingFor('FEED000001', '1000000.00');
      await requestSegmentRefresh(app.ds, [h.customer.id]);
      await waitForSegmentRefresh(app.ds);
      const segmentOf = async () =>
        (await app.ds.query(`SELECT tier, aum, churn_signals FROM customer WHERE id = $1`, [h.customer.id]))[0];
      expect(await segmentOf()).toMatchObject({ tier: 'WEALTH', churn_signals: [] });

      // The month the churn window looks back to gets its snapshot from a daily balance event...
      const windowStart = addDays(businessToday(config.businessTimeZone), -config.segmentation.churnWindowDays);
      const balanceKey = `${h.holding.accountNo}|${windowStart}`;
      await publish('daily_balances', balanceKey, 1, {
        account_no: h.holding.accountNo,
        balance_date: windowStart,
        balance: '1000000.00',
      });
      // ...and the holding's balance falls by 80%.
      await publish('holdings', h.holding.accountNo, 1, holdingRow(h, '200000.00'));
      await drained();
      await waitForSegmentRefresh(app.ds);

      expect(await segmentOf()).toEqual({ tier: 'MASS', aum: '200000.00', churn_signals: ['AUM_DROP'] });
    });

    it('applies every kind from events, a batch in dependency order whatever order it was published in', async () => {
      const branchId = randomUUID();
      const staffId = randomUUID();
      const tag = await make.tag();
      const customerNo = 'FEED000030';
      const rows: [KindName, Record<string, unknown>][] = [
        [
          'interactions',
          {
            source_system: 'CRM',
            source_ref: 'ALL-1',
            customer_no: customerNo,
            channel: 'BRANCH',
            type: 'VISIT',
            occurred_at: '2026-11-30T10:00:00+08:00',
            staff_employee_no: 'FEEDE1',
          },
        ],
        [
          'tags',
          {
            customer_no: customerNo,
            tag_code: tag.code,
            source: 'MODEL',
            confidence: '0.8',
            assigned_at: '2026-11-30T10:00:00+08:00',
          },
        ],
        [
          'risk_assessments',
          {
            customer_no: customerNo,
            assessed_at: '2026-06-01T10:00:00+08:00',
            risk_tolerance: 'C4',
            valid_until: '2027-06-01',
            aml_rating: 'LOW',
          },
        ],
        ['daily_balances', { account_no: '6222888800000030', balance_date: '2026-11-29', balance: '5000.00' }],
        [
          'holdings',
          {
            account_no: '6222888800000030',
            customer_no: customerNo,
            product_code: 'FEEDP1',
            balance: '5000.00',
            currency: 'USD',
            opened_on: '2025-01-01',
            status: 'ACTIVE',
          },
        ],
        ['consents', { customer_no: customerNo, purpose: 'MARKETING', channel: 'WECHAT', granted: true }],
        [
          'customers',
          {
            customer_no: customerNo,
            name: '赵六',
            gender: 'FEMALE',
            birth_date: '1990-02-03',
            id_type: 'PASSPORT',
            id_number: 'E12345678',
            phone: '13700000030',
            address_province: '上海市',
            address_city: '上海市',
            address_district: '浦东新区',
            address_street: '世纪大道1号',
            city: '上海市',
            branch_code: 'FEEDB1',
            relationship_manager_employee_no: 'FEEDE1',
            kyc_status: 'VERIFIED',
            onboarded_on: '2021-01-01',
          },
        ],
        ['exchange_rates', { currency: 'USD', rate_date: '2026-11-29', cny_per_unit: '7.2' }],
        ['products', { code: 'FEEDP1', name: '美元存款', type: 'DEPOSIT', risk_level: 'R1' }],
        [
          'staff',
          { staff_id: staffId, employee_no: 'FEEDE1', name: '钱经理', branch_code: 'FEEDB1', title: '客户经理' },
        ],
        ['branches', { branch_id: branchId, code: 'FEEDB1', name: '陆家嘴支行', city: '上海市' }],
      ];
      // Published while no consumer runs, so that one fetch takes them all as one batch.
      await consumer!.stop();
      for (const [kind, data] of rows) await publish(kind, naturalKeyOf(kind, data)!, 1, data);
      await startConsumer();
      await drained();

      const [view] = await app.ds.query(
        `SELECT c.branch_id, c.relationship_manager_id,
           (SELECT count(*)::int FROM consent k WHERE k.customer_id = c.id) AS consents,
           (SELECT h.currency FROM holding h WHERE h.customer_id = c.id) AS currency,
           (SELECT count(*)::int FROM holding_daily_balance b JOIN holding h ON h.id = b.holding_id WHERE h.customer_id = c.id) AS balances,
           (SELECT r.risk_tolerance FROM risk_assessment r WHERE r.customer_id = c.id) AS risk,
           (SELECT t.source FROM customer_tag t WHERE t.customer_id = c.id) AS tag,
           (SELECT i.staff_id FROM interaction i WHERE i.customer_id = c.id) AS visit_staff,
           (SELECT f.cny_per_unit FROM fx_rate f WHERE f.currency = 'USD' AND f.rate_date = '2026-11-29') AS rate
         FROM customer c WHERE c.customer_no = $1`,
        [customerNo],
      );
      expect(view).toEqual({
        branch_id: branchId,
        relationship_manager_id: staffId,
        consents: 1,
        currency: 'USD',
        balances: 1,
        risk: 'C4',
        tag: 'MODEL',
        visit_staff: staffId,
        rate: '7.200000',
      });
    });

    it('applies each entity’s newest version: older ones, in a batch or after it, are dropped and counted', async () => {
      const h = await holdingFor('FEED000002', '1.00');
      const staleBefore = await counted('stale');
      for (const [version, balance] of [
        [3, '300.00'],
        [1, '100.00'],
        [2, '200.00'],
      ] as const) {
        await publish('holdings', h.holding.accountNo, version, holdingRow(h, balance));
      }
      await drained();
      await publish('holdings', h.holding.accountNo, 2, holdingRow(h, '222.00'));
      await drained();

      const [{ balance }] = await app.ds.query(`SELECT balance FROM holding WHERE id = $1`, [h.holding.id]);
      expect(balance).toBe('300.00');
      expect((await counted('stale')) - staleBefore).toBe(3);

      await publish('holdings', h.holding.accountNo, '2026-11-30T08:00:00+08:00', holdingRow(h, '400.00'));
      await drained();
      expect((await app.ds.query(`SELECT balance FROM holding WHERE id = $1`, [h.holding.id]))[0].balance).toBe(
        '400.00',
      );
    });

    it('applies an event once: the same event delivered again changes nothing', async () => {
      const customer = await make.customer({ customerNo: 'FEED000003' });
      const login = {
        source_system: 'MOBILE',
        source_ref: 'FEED-LOGIN-1',
        customer_no: customer.customerNo,
        channel: 'MOBILE_APP',
        type: 'LOGIN',
        occurred_at: '2026-11-30T08:00:00+08:00',
      };
      const eventId = await publish('interactions', 'MOBILE|FEED-LOGIN-1', 1, login);
      await drained();
      const duplicatesBefore = await counted('duplicate');
      await publish('interactions', 'MOBILE|FEED-LOGIN-1', 1, login, eventId);
      await drained();

      const [{ count }] = await app.ds.query(`SELECT count(*)::int AS count FROM interaction WHERE customer_id = $1`, [
        customer.id,
      ]);
      expect(count).toBe(1);
      expect((await counted('duplicate')) - duplicatesBefore).toBe(1);
    });

    it('sends malformed events to the dead-letter stream with ids and reason only, and goes on with the stream', async () => {
      const customer = await make.customer({ customerNo: 'FEED000004' });
      const lettersBefore = (await deadLetters()).length;
      await broker.jetstream.publish(changeSubject(PREFIX, 'customers'), '{"not json');
      await publish('customers', 'FEED000005', 1, {
        customer_no: 'FEED000005',
        name: '王秘密',
        phone: 'not-a-phone',
        id_number: '110105198506150000',
      });
      await publish('consents', `${customer.customerNo}|PARTNER_SHARING|`, 1, {
        customer_no: 'FEED999999',
        purpose: 'PARTNER_SHARING',
        granted: true,
      });
      await publish('consents', 'FEED999998|PARTNER_SHARING|', 1, {
        customer_no: 'FEED999998',
        purpose: 'PARTNER_SHARING',
        granted: true,
      });
      await publish('no_such_kind', 'X', 1, {});
      await publish('consents', `${customer.customerNo}|PARTNER_SHARING|`, 2, {
        customer_no: customer.customerNo,
        purpose: 'PARTNER_SHARING',
        granted: true,
      });
      await drained();

      const [consent] = await app.ds.query(`SELECT granted FROM consent WHERE customer_id = $1`, [customer.id]);
      expect(consent).toEqual({ granted: true });
      const letters = (await deadLetters())
        .slice(lettersBefore)
        .sort((a, b) => Number(a.streamSequence) - Number(b.streamSequence));
      expect(letters.map((l) => [l.kind, l.key ?? null, String(l.reason).split(':')[0]])).toEqual([
        ['customers', null, 'not JSON'],
        // Its first problem, by column name: a required column it lacks.
        ['customers', 'FEED000005', expect.stringMatching(/^[a-z_]+$/)],
        // Named by its data's key, not the one its envelope claimed.
        ['consents', 'FEED999999|PARTNER_SHARING|', 'key'],
        ['consents', 'FEED999998|PARTNER_SHARING|', 'customer_no'],
        ['no_such_kind', null, 'subject'],
      ]);
      const raw = JSON.stringify(letters);
      for (const personal of ['王秘密', 'not-a-phone', '110105198506150000']) expect(raw).not.toContain(personal);
      for (const letter of letters)
        expect(Object.keys(letter).sort()).toEqual(
          expect.arrayContaining(['deadLetteredAt', 'kind', 'reason', 'streamSequence']),
        );
      expect(letters.every((l) => !('data' in l))).toBe(true);
    });

    it('leaves out of a dead letter a key that holds a value stored encrypted (a holding’s account number)', async () => {
      const lettersBefore = (await deadLetters()).length;
      const accountNo = '6222020000009999';
      await publish('holdings', accountNo, 1, { account_no: accountNo, balance: 'not-a-number' });
      await drained();
      const letters = (await deadLetters()).slice(lettersBefore);
      expect(letters.map((l) => [l.kind, l.key ?? null])).toEqual([['holdings', null]]);
      expect(letters[0].eventId).toEqual(expect.any(String));
      expect(JSON.stringify(letters)).not.toContain(accountNo);
    });
  });

  describe('dead letters of a producer that puts personal data where the key goes', () => {
    beforeAll(() => startConsumer());
    afterAll(() => consumer?.stop());

    it('give the key as the data’s key columns have it, never the envelope’s own text', async () => {
      const lettersBefore = (await deadLetters()).length;
      const misplaced = '王秘密 13812345678';
      // A row that fails its rules, and an envelope that fails its own (a negative version).
      await publish('customers', misplaced, 1, { customer_no: 'FEED000091', name: '王秘密' });
      await broker.jetstream.publish(
        changeSubject(PREFIX, 'customers'),
        JSON.stringify({ eventId: 'misplaced-2', source: 'test', key: misplaced, version: -1, data: {} }),
      );
      // A valid row under a key that is not its own.
      await publish('consents', misplaced, 1, {
        customer_no: 'FEED000092',
        purpose: 'PARTNER_SHARING',
        granted: true,
      });
      await drained();

      const letters = (await deadLetters())
        .slice(lettersBefore)
        .sort((a, b) => Number(a.streamSequence) - Number(b.streamSequence));
      expect(letters.map((l) => [l.kind, l.key ?? null, String(l.reason).split(':')[0]])).toEqual([
        ['customers', 'FEED000091', expect.stringMatching(/^[a-z_]+$/)],
        ['customers', null, 'version'],
        ['consents', 'FEED000092|PARTNER_SHARING|', 'key'],
      ]);
      expect(JSON.stringify(letters)).not.toMatch(/王秘密|13812345678/);
      const inbox = await app.ds.query(`SELECT natural_key FROM ingest_inbox WHERE natural_key LIKE '%王%'`);
      expect(inbox).toEqual([]);
    });
  });

  describe('a broker that lost its streams', () => {
    beforeAll(() => startConsumer());
    afterAll(() => consumer?.stop());

    it('sets the stream and the durable consumer up again and goes on taking events', async () => {
      const customer = await make.customer({ customerNo: 'FEED000090' });
      // What a NATS server restarted without its storage (or an operator's delete) leaves.
      await broker.manager.streams.delete(changeFeedStream(PREFIX).name);
      const deadline = Date.now() + 20_000;
      // Answered once the stream and the durable consumer are there again.
      while (
        !(await consumer!.pending().then(
          () => true,
          () => false,
        ))
      ) {
        if (Date.now() > deadline) throw new Error('the change feed never set its stream and consumer up again');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await publish('consents', `${customer.customerNo}|PARTNER_SHARING|`, 1, {
        customer_no: customer.customerNo,
        purpose: 'PARTNER_SHARING',
        granted: true,
      });
      await drained();

      const [consent] = await app.ds.query(`SELECT granted FROM consent WHERE customer_id = $1`, [customer.id]);
      expect(consent).toEqual({ granted: true });
    });
  });

  describe('a consumer that dies mid-batch', () => {
    beforeAll(() => consumer?.stop());

    it('leaves its batch unacknowledged: redelivered to the next consumer and applied once', async () => {
      const customer = await make.customer({ customerNo: 'FEED000010' });
      // The fifth login's insert sleeps, so the process can be killed with four applied in its open transaction.
      await app.ds.query(`
      CREATE FUNCTION feed_test_stall() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.source_ref = 'CRASH-5' THEN PERFORM pg_sleep(60); END IF;
        RETURN NEW;
      END $$`);
      await app.ds.query(
        `CREATE TRIGGER feed_test_stall BEFORE INSERT ON interaction FOR EACH ROW EXECUTE FUNCTION feed_test_stall()`,
      );

      // All on the stream before the process starts: its first fetch takes them as one batch.
      for (let i = 1; i <= 8; i++) {
        await publish('interactions', `MOBILE|CRASH-${i}`, 1, {
          source_system: 'MOBILE',
          source_ref: `CRASH-${i}`,
          customer_no: customer.customerNo,
          channel: 'MOBILE_APP',
          type: 'LOGIN',
          occurred_at: `2026-11-30T0${i}:00:00+08:00`,
        });
      }
      const child = spawn(
        process.execPath,
        ['-r', '@swc-node/register', path.join(__dirname, '../../scripts/ingest.ts')],
        {
          env: {
            ...process.env,
            NODE_ENV: 'test',
            DATABASE_URL: app.databaseUrl,
            NATS_URL,
            NATS_SUBJECT_PREFIX: PREFIX,
            INGEST_ACK_WAIT_MS: String(ACK_WAIT_MS),
            INGEST_STATEMENT_TIMEOUT_MS: String(ACK_WAIT_MS - 500),
            INGEST_METRICS_PORT: '0',
            SEGMENT_REFRESH_ENABLED: 'false',
          },
          stdio: 'ignore',
        },
      );
      try {
        // One statement per kind: the batch's interactions are inserted together, and that statement is asleep.
        const deadline = Date.now() + 20_000;
        while (
          (
            await app.ds.query(
              `SELECT 1 FROM pg_stat_activity WHERE query LIKE '%INSERT INTO interaction%' AND wait_event = 'PgSleep'`,
            )
          ).length === 0
        ) {
          if (Date.now() > deadline) throw new Error('the ingest process never reached the stalled insert');
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      } finally {
        child.kill('SIGKILL');
      }
      await app.ds.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND pid <> pg_backend_pid()`,
      );
      await app.ds.query(`DROP TRIGGER feed_test_stall ON interaction`);
      await app.ds.query(`DROP FUNCTION feed_test_stall()`);
      expect(
        (await app.ds.query(`SELECT count(*)::int AS count FROM interaction WHERE customer_id = $1`, [customer.id]))[0]
          .count,
      ).toBe(0);

      await startConsumer();
      await drained(ACK_WAIT_MS + 15_000);

      const rows = await app.ds.query(`SELECT source_ref FROM interaction WHERE customer_id = $1 ORDER BY source_ref`, [
        customer.id,
      ]);
      expect(rows.map((r: { source_ref: string }) => r.source_ref)).toEqual(
        Array.from({ length: 8 }, (_, i) => `CRASH-${i + 1}`),
      );
      const inbox = await app.ds.query(
        `SELECT outcome, count(*)::int AS count FROM ingest_inbox WHERE natural_key LIKE 'MOBILE|CRASH-%' GROUP BY outcome`,
      );
      expect(inbox).toEqual([{ outcome: 'APPLIED', count: 8 }]);
    });
  });

  describe('in the server process (INGEST_ENABLED)', () => {
    it('takes events beside the requests and reports lag, outcomes and that it runs at /metrics', async () => {
      const prefix = `${PREFIX}_server`;
      const customer = await make.customer({ customerNo: 'FEED000020' });
      let server: ServerProcess | undefined;
      try {
        server = await startServerProcess({
          DATABASE_URL: app.databaseUrl,
          LOG_LEVEL: 'info',
          NATS_URL,
          NATS_SUBJECT_PREFIX: prefix,
          INGEST_ENABLED: 'true',
        });
        const { child, output, exited } = server;
        const scrape = await feedRunningIn(server);
        const deadline = Date.now() + 20_000;
        await publishPartnerSharing(prefix, customer.customerNo, 'server-1');
        await broker.jetstream.publish(changeSubject(prefix, 'consents'), 'not json');
        let metrics = '';
        while (
          !/^ingest_events_total\{kind="consents",outcome="dead_lettered"\} 1$/m.test((metrics = await scrape()))
        ) {
          if (Date.now() > deadline) throw new Error(`no events counted:\n${metrics}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(metrics).toMatch(/^ingest_events_total\{kind="consents",outcome="applied"\} 1$/m);
        expect(metrics).toMatch(/^ingest_feed_lag_seconds\{kind="consents"\} \d/m);
        expect(metrics).toMatch(/^ingest_feed_pending_messages 0$/m);
        expect(metrics).toMatch(/^ingest_consumer_last_success_timestamp_seconds \d/m);
        const [consent] = await app.ds.query(`SELECT granted FROM consent WHERE customer_id = $1`, [customer.id]);
        expect(consent).toEqual({ granted: true });

        child.kill('SIGTERM');
        expect(await exited).toBe(0);
        expect(output()).not.toMatch(/"level":(50|60)/);
      } finally {
        server?.child.kill('SIGKILL');
        for (const stream of [changeFeedStream(prefix), deadLetterStream(prefix), eventsOutStream(prefix)]) {
          await broker.manager.streams.delete(stream.name).catch(() => undefined);
        }
      }
    });

    it("runs batches on connections of its own, not under the request pool's statement timeout", async () => {
      const prefix = `${PREFIX}_timeout`;
      const customer = await make.customer({ customerNo: 'FEED000021' });
      // The consent insert takes 2 s: longer than the requests' limit below, well within the feed's.
      await app.ds.query(`
        CREATE FUNCTION feed_test_slow() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_sleep(2); RETURN NULL; END $$`);
      await app.ds.query(`CREATE TRIGGER feed_test_slow BEFORE INSERT ON consent EXECUTE FUNCTION feed_test_slow()`);
      let server: ServerProcess | undefined;
      try {
        server = await startServerProcess({
          DATABASE_URL: app.databaseUrl,
          NATS_URL,
          NATS_SUBJECT_PREFIX: prefix,
          INGEST_ENABLED: 'true',
          DB_STATEMENT_TIMEOUT_MS: '1000',
        });
        const scrape = await feedRunningIn(server);
        const deadline = Date.now() + 30_000;
        await publishPartnerSharing(prefix, customer.customerNo, 'slow-1');
        const consents = () => app.ds.query(`SELECT granted FROM consent WHERE customer_id = $1`, [customer.id]);
        while ((await consents()).length === 0) {
          if (Date.now() > deadline) throw new Error(`the slow event was never applied:\n${server.output()}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(await scrape()).toMatch(/^ingest_failed_batches_total 0$/m);
      } finally {
        server?.child.kill('SIGKILL');
        await app.ds.query(`DROP TRIGGER feed_test_slow ON consent`);
        await app.ds.query(`DROP FUNCTION feed_test_slow()`);
        for (const stream of [changeFeedStream(prefix), deadLetterStream(prefix), eventsOutStream(prefix)]) {
          await broker.manager.streams.delete(stream.name).catch(() => undefined);
        }
      }
    });
  });
});
