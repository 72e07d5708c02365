import { Registry } from 'prom-client';
import { silentLog } from '../../src/broker/log';
import { Broker, connectBroker } from '../../src/broker/nats';
import { changeFeedStream, changeSubject, deadLetterStream } from '../../src/broker/streams';
import { loadConfig } from '../../src/config';
import { ChangeFeedConsumer } from '../../src/ingest/feed/consumer';
import { FeedMetrics } from '../../src/ingest/feed/feed-metrics';
import { ProductType } from '../../src/modules/holding/holding.enums';
import { TcpProxy } from '../support/tcp-proxy';
import { useTestApp } from '../support/test-app';

/**
 * The network to the broker drops while the consumer holds events the
 * broker delivered to its open fetch but that it has not applied yet (it
 * is busy applying an earlier one, whose acknowledgement then goes
 * unconfirmed): they are applied all the same, not left to wait out
 * ack_wait (set here far beyond the test's own timeout) for a redelivery.
 */
const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const PREFIX = `c360test_fetchfail_${process.pid}`;
const config = loadConfig({ NATS_URL, NATS_SUBJECT_PREFIX: PREFIX, INGEST_ACK_WAIT_MS: String(3_600_000) });
const EVENTS = 5;
const STALL_LOCK = 917_004;
const STALLED_UPDATES = `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INTO holding%'`;

const { app, make } = useTestApp();
let proxy: TcpProxy;
let consumerBroker: Broker;
let observer: Broker;
let consumer: ChangeFeedConsumer;

describe('a change-feed fetch whose connection drops part-way', () => {
  beforeAll(async () => {
    const nats = new URL(NATS_URL);
    proxy = new TcpProxy(nats.hostname, Number(nats.port || 4222));
    await proxy.listen();
    consumerBroker = await connectBroker({ url: `nats://127.0.0.1:${proxy.port}`, subjectPrefix: PREFIX });
    observer = await connectBroker({ url: NATS_URL, subjectPrefix: PREFIX });
  });

  afterAll(async () => {
    await consumer?.stop();
    for (const stream of [changeFeedStream(PREFIX), deadLetterStream(PREFIX)]) {
      await observer?.manager.streams.delete(stream.name).catch(() => undefined);
    }
    await consumerBroker?.connection.close();
    await observer?.drain();
    await proxy?.close();
  });

  it('applies the events it had received, without a redelivery', async () => {
    const customer = await make.customer({ customerNo: 'FETCHFAIL1' });
    const product = await make.product({ type: ProductType.FUND });
    const holdings: { id: string; accountNo: string }[] = [];
    for (let i = 0; i < EVENTS; i++) holdings.push(await make.holding(customer.id, { productId: product.id }));

    // A batch far larger than what is published: the events stalled behind the first come in the same fetch.
    consumer = new ChangeFeedConsumer(
      app.ds,
      consumerBroker,
      { ...config.ingest, batchSize: 1_000 },
      new FeedMetrics(new Registry(), () => consumer.pending()),
      silentLog,
    );
    await consumer.start();

    const publishBalance = (i: number) =>
      observer.jetstream.publish(
        changeSubject(PREFIX, 'holdings'),
        JSON.stringify({
          eventId: `fetchfail-${i}`,
          source: 'test',
          key: holdings[i].accountNo,
          version: 1,
          data: {
            account_no: holdings[i].accountNo,
            customer_no: customer.customerNo,
            product_code: product.code,
            balance: `${1_000 + i}.00`,
            currency: 'CNY',
            opened_on: '2024-01-01',
            status: 'ACTIVE',
          },
        }),
      );

    // Applying the first event waits on a lock this test holds: the rest arrive while the consumer is busy.
    const lockHolder = await app.ds.createQueryRunner();
    await lockHolder.connect();
    await lockHolder.query(`SELECT pg_advisory_lock(${STALL_LOCK})`);
    await app.ds.query(`
      CREATE FUNCTION fetch_failure_stall() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_advisory_xact_lock_shared(${STALL_LOCK}); RETURN NULL; END $$`);
    await app.ds.query(
      `CREATE TRIGGER fetch_failure_stall BEFORE INSERT OR UPDATE ON holding EXECUTE FUNCTION fetch_failure_stall()`,
    );
    try {
      await publishBalance(0);
      await until('the first event stalls', async () => (await app.ds.query(STALLED_UPDATES)).length > 0);
      for (let i = 1; i < EVENTS; i++) await publishBalance(i);
      // All delivered to the consumer's fetch (waiting for acknowledgement): then the network drops.
      await until('all delivered', async () => (await consumerInfo()).num_ack_pending === EVENTS);
      await proxy.cut();
      await proxy.restore();
    } finally {
      await lockHolder.query(`SELECT pg_advisory_unlock(${STALL_LOCK})`);
      await lockHolder.release();
    }

    const balances = async () =>
      (
        await app.ds.query(`SELECT balance FROM holding WHERE id = ANY($1) ORDER BY balance`, [
          holdings.map((h) => h.id),
        ])
      ).map((r: { balance: string }) => r.balance);
    const expected = ['1000.00', '1001.00', '1002.00', '1003.00', '1004.00'];
    await until('all applied', async () => (await balances()).join() === expected.join());

    // Applied from the fetch that delivered them, not from a redelivery. (An acknowledgement sent as
    // the connection dropped may be lost: that event comes again after ack_wait, and the inbox drops it.)
    expect((await consumerInfo()).num_redelivered).toBe(0);
    await app.ds.query(`DROP TRIGGER fetch_failure_stall ON holding`);
  });
});

async function consumerInfo() {
  const stream = changeFeedStream(PREFIX).name;
  const [durable] = await observer.manager.consumers.list(stream).next();
  return observer.manager.consumers.info(stream, durable.name);
}

async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`never: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
