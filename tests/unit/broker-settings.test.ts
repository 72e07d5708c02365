import { connectionOptionsOf } from '../../src/broker/nats';
import {
  changeFeedStream,
  changeSubject,
  deadLetterStream,
  eventsOutStream,
  eventSubject,
} from '../../src/broker/streams';
import { loadConfig } from '../../src/config';

describe('broker settings', () => {
  it('have no broker by default (the embedded default), and the c360 prefix', () => {
    const { broker, outbox } = loadConfig({});
    expect(broker).toEqual({ url: undefined, subjectPrefix: 'c360' });
    expect(outbox).toEqual({ relayEnabled: true, retentionHours: 72, publishedRetentionHours: 24 });
  });

  it('refuse a NATS_URL that is not nats:// or tls://, without repeating it', () => {
    expect(() => loadConfig({ NATS_URL: 'http://user:hunter2@broker:4222' })).toThrow(/NATS_URL: must be nats:\/\//);
    expect(() => loadConfig({ NATS_URL: 'http://user:hunter2@broker:4222' })).not.toThrow(/hunter2/);
    expect(() => loadConfig({ NATS_URL: 'nats://a:4222,broker:4222' })).toThrow(/NATS_URL/);
    expect(loadConfig({ NATS_URL: 'nats://a:4222, tls://b:4222' }).broker.url).toBe('nats://a:4222, tls://b:4222');
  });

  it("refuse a change-feed statement timeout at or beyond the broker's acknowledgement wait", () => {
    expect(loadConfig({}).ingest).toMatchObject({ ackWaitMs: 30_000, statementTimeoutMs: 20_000 });
    expect(() => loadConfig({ INGEST_STATEMENT_TIMEOUT_MS: '30000' })).toThrow(/INGEST_STATEMENT_TIMEOUT_MS/);
    expect(() => loadConfig({ INGEST_ACK_WAIT_MS: '10000' })).toThrow(/INGEST_STATEMENT_TIMEOUT_MS/);
    expect(
      loadConfig({ INGEST_ACK_WAIT_MS: '10000', INGEST_STATEMENT_TIMEOUT_MS: '9000' }).ingest.statementTimeoutMs,
    ).toBe(9_000);
  });

  it('refuse a prefix that would break subjects or stream names', () => {
    for (const prefix of ['a.b', 'a*', 'a>', 'a b', '']) {
      expect(() => loadConfig({ NATS_SUBJECT_PREFIX: prefix })).toThrow(/NATS_SUBJECT_PREFIX/);
    }
  });

  it('give the client servers without credentials, and the credentials apart', () => {
    expect(connectionOptionsOf('nats://app%40bank:p%3Ass@a:4222,nats://b:4222')).toEqual({
      servers: ['nats://a:4222', 'nats://b:4222'],
      user: 'app@bank',
      pass: 'p:ss',
    });
    expect(connectionOptionsOf('tls://s3cr3t-token@a:4222')).toEqual({
      servers: ['tls://a:4222'],
      token: 's3cr3t-token',
    });
    expect(connectionOptionsOf('nats://a:4222')).toEqual({ servers: ['nats://a:4222'] });
  });

  it('refuse a change feed in the server without a broker to read it from', () => {
    expect(() => loadConfig({ INGEST_ENABLED: 'true' })).toThrow(/INGEST_ENABLED: needs NATS_URL/);
    expect(loadConfig({ INGEST_ENABLED: 'true', NATS_URL: 'nats://a:4222' }).ingest).toMatchObject({
      enabled: true,
      batchSize: 200,
      ackWaitMs: 30_000,
    });
  });

  it('name the change feed’s subjects and streams after the prefix', () => {
    expect(changeSubject('c360', 'holdings')).toBe('c360.in.holdings');
    expect(changeFeedStream('c360')).toMatchObject({ name: 'C360_IN', subjects: ['c360.in.>'] });
    expect(deadLetterStream('c360')).toMatchObject({ name: 'C360_DLQ', subjects: ['c360.dlq.>'] });
  });

  it('derive subjects and the stream name from the prefix', () => {
    expect(eventSubject('c360', 'consent.changed')).toBe('c360.out.consent.changed');
    expect(eventsOutStream('c360')).toMatchObject({ name: 'C360_EVENTS', subjects: ['c360.out.>'] });
    expect(eventsOutStream('c360').duplicateWindowMs).toBeGreaterThanOrEqual(5 * 60_000);
  });
});
