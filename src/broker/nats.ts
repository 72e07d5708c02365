import { jetstream, JetStreamClient, jetstreamManager, JetStreamManager } from '@nats-io/jetstream';
import { connect, NatsConnection } from '@nats-io/transport-node';
import { natsUrls } from '../config';
import { describeFailure, Log, silentLog } from './log';

export interface BrokerSettings {
  /** NATS_URL: one or several comma-separated nats:// or tls:// URLs, credentials optional. */
  url: string;
  /** NATS_SUBJECT_PREFIX: first token of every subject, and (upper-cased) of stream names. */
  subjectPrefix: string;
}

/** One connection to NATS with its JetStream client and manager. */
export interface Broker {
  readonly connection: NatsConnection;
  readonly jetstream: JetStreamClient;
  readonly manager: JetStreamManager;
  readonly subjectPrefix: string;
  /** False while the client is reconnecting, and for good once it has closed. */
  isConnected(): boolean;
  /** Closed: the client gave up reconnecting, or was closed; connect again for a new one. */
  isClosed(): boolean;
  /** Lets pending messages go out, then closes; safe to call twice. */
  drain(): Promise<void>;
}

/** How long a JetStream request (a publish's ack, a stream lookup) may take. */
const JETSTREAM_TIMEOUT_MS = 5_000;
/** A first connection attempt to a server that does not answer gives up after this long. */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Connects to NATS and JetStream. Rejects when no server is reachable, so a
 * caller can retry with its own backoff; once connected, reconnection is the
 * client's (its defaults: 10 attempts per server, 2 s apart, after which the
 * broker reports isClosed()). Connection events are logged with host:port
 * only: credentials are taken out of the URLs before the client sees them.
 */
export async function connectBroker(settings: BrokerSettings, log: Log = silentLog): Promise<Broker> {
  const connection = await connect({
    ...connectionOptionsOf(settings.url),
    name: 'customer360-gateway',
    timeout: CONNECT_TIMEOUT_MS,
  });
  let connected = true;
  void (async () => {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect') {
        connected = false;
        log.warn({ server: status.server }, 'broker connection lost; the client is reconnecting');
      } else if (status.type === 'reconnect') {
        connected = true;
        log.info({ server: status.server }, 'broker connection restored');
      } else if (status.type === 'error') {
        log.warn(describeFailure(status.error), 'broker reported an error');
      }
    }
  })().catch(() => undefined);
  void connection.closed().then((error) => {
    connected = false;
    if (error) log.warn(describeFailure(error), 'broker connection closed');
  });

  try {
    const manager = await jetstreamManager(connection, { timeout: JETSTREAM_TIMEOUT_MS });
    log.info({ server: connection.getServer() }, 'broker connected');
    return {
      connection,
      jetstream: jetstream(connection, { timeout: JETSTREAM_TIMEOUT_MS }),
      manager,
      subjectPrefix: settings.subjectPrefix,
      isConnected: () => connected && !connection.isClosed(),
      isClosed: () => connection.isClosed(),
      async drain() {
        if (connection.isClosed() || connection.isDraining()) return connection.closed().then(() => undefined);
        await connection.drain();
      },
    };
  } catch (error) {
    // A server without JetStream, or one that does not answer its API.
    await connection.close();
    throw error;
  }
}

/** The servers as host:port, and the first credentials found among the URLs (user:password, or a token). */
export function connectionOptionsOf(url: string): { servers: string[]; user?: string; pass?: string; token?: string } {
  const urls = natsUrls(url);
  if (!urls) throw new Error('NATS_URL must be nats:// or tls:// URLs, comma-separated');
  const servers = urls.map((u) => `${u.protocol}//${u.host}`);
  const withCredentials = urls.find((u) => u.username);
  if (!withCredentials) return { servers };
  const user = decodeURIComponent(withCredentials.username);
  return withCredentials.password
    ? { servers, user, pass: decodeURIComponent(withCredentials.password) }
    : { servers, token: user };
}
