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
 * The network to the broker drops while a fetch waits for a full batch,
 * after the broker delivered some events: the client ends that fetch
 * normally once it has reconnected (checked against nats.js 3.4; only a
 * deleted consumer makes a fetch throw), and the delivered events are
 * applied and acknowledged then, not left to wait out ack_wait (set here
 * far beyond the test's own timeout) for a redelivery.
 */
const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const PREFIX = `c360test_fetchfail_${process.pid}`;
const config = loadConfig({ NATS_URL, NATS_SUBJECT_PREFIX: PREFIX, INGEST_ACK_WAIT_MS: String(3_600_000) });
const EVENTS = 5;

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

    // A batch far larger than what is published: each fetch waits its full expiry, the window the cut falls in.
    consumer = new ChangeFeedConsumer(
      app.ds,
      consumerBroker,
      { ...config.ingest, batchSize: 1_000 },
      new FeedMetrics(new Registry(), () => consumer.pending()),
      silentLog,
    );
    await consumer.start();

    for (const [i, holding] of holdings.entries()) {
      const row = {
        account_no: holding.accountNo,
        customer_no: customer.customerNo,
        product_code: product.code,
        balance: `${1_000 + i}.00`,
        currency: 'CNY',
        opened_on: '2024-01-01',
        status: 'ACTIVE',
      };
      await observer.jetstream.publish(
        changeSubject(PREFIX, 'holdings'),
        JSON.stringify({ eventId: `fetchfail-${i}`, source: 'test', key: holding.accountNo, version: 1, data: row }),
      );
    }
    // Delivered to the consumer (waiting for acknowledgement), the fetch still open: then the network drops.
    const durable = (await observer.manager.consumers.list(changeFeedStream(PREFIX).name).next())[0].name;
    await until(async () => {
      const info = await observer.manager.consumers.info(changeFeedStream(PREFIX).name, durable);
      return info.num_ack_pending === EVENTS;
    });
    await proxy.cut();
    await proxy.restore();

    const balances = async () =>
      (
        await app.ds.query(`SELECT balance FROM holding WHERE id = ANY($1) ORDER BY balance`, [
          holdings.map((h) => h.id),
        ])
      ).map((r: { balance: string }) => r.balance);
    await until(async () => (await balances())[0] === '1000.00');
    expect(await balances()).toEqual(['1000.00', '1001.00', '1002.00', '1003.00', '1004.00']);

    // Acknowledged once the client reconnected, and never sent again.
    await until(async () => (await consumer.pending()) === 0);
    const info = await observer.manager.consumers.info(changeFeedStream(PREFIX).name, durable);
    expect(info.num_redelivered).toBe(0);
  });
});

async function until(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
