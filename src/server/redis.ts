import { createClient } from 'redis';
import { logger } from '../telemetry/logger';

export type RedisClient = ReturnType<typeof createClient>;

/**
 * The Redis that instances share (rate limits, persisted queries). Commands
 * fail at once while it is unreachable instead of queueing, so the callers'
 * in-memory fallbacks take over; the client keeps reconnecting meanwhile.
 */
export function connectRedis(url: string): RedisClient {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 2_000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 5_000) },
  });
  let reported = false;
  client.on('error', (error: Error) => {
    // Once per outage: a reconnect loop would otherwise log every attempt.
    if (!reported)
      logger.warn({ errorType: error.name, errorCode: (error as { code?: string }).code }, 'redis unavailable');
    reported = true;
  });
  client.on('ready', () => {
    if (reported) logger.info('redis available again');
    reported = false;
  });
  client.connect().catch(() => undefined);
  return client;
}

/** Waits for commands in flight; a client still trying to reach Redis stops trying at once. */
export async function disconnectRedis(client: RedisClient): Promise<void> {
  if (client.isReady) {
    await client.close().catch(() => undefined);
    return;
  }
  try {
    client.destroy();
  } catch {
    // already closed
  }
}
