import pino, { DestinationStream } from 'pino';
import { prettyFactory } from 'pino-pretty';

/**
 * How long a write to stdout may wait for a reader that does not read
 * (a full pipe) before the line is dropped. Without a bound, a process whose
 * log reader stopped reading never exits: its last lines are flushed on exit,
 * and stdout is non-blocking, so the flush sleeps and retries forever.
 */
const STALLED_WRITE_LIMIT_MS = 1_000;
/** Lines waiting for a stalled reader, at most; later ones are dropped. */
const MAX_PENDING_BYTES = 4 * 1024 * 1024;

/**
 * Writes to stdout in the background, so a slow log reader never slows a
 * request (synchronous writes made every request wait for it); what the
 * reader has not taken is kept up to MAX_PENDING_BYTES, then dropped. The
 * flush at exit gives up once the reader has taken nothing for
 * STALLED_WRITE_LIMIT_MS, so a stalled reader cannot keep the process alive.
 */
function stdout(): DestinationStream {
  let stalledSince: number | undefined;
  const destination = pino.destination({
    dest: 1,
    sync: false,
    maxLength: MAX_PENDING_BYTES,
    retryEAGAIN: () => {
      stalledSince ??= Date.now();
      return Date.now() - stalledSince < STALLED_WRITE_LIMIT_MS;
    },
  });
  destination.on('write', (bytes: number) => {
    if (bytes > 0) stalledSince = undefined;
  });
  // A line that could not be written (reader stalled or gone) is lost; the next write tries again.
  destination.on('error', () => {});
  return destination;
}

/** On a terminal, one readable line per entry (time, level, message, then the fields); formatted in-process and synchronously. */
function readable(destination: DestinationStream): DestinationStream {
  const format = prettyFactory({
    colorize: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
    singleLine: true,
  });
  return { write: (line: string) => destination.write(format(line)) };
}

/**
 * Structured JSON logs, one line per entry on stdout; readable lines instead
 * when stdout is a terminal (development). Personal data (names, ID numbers,
 * phones...) must never be passed to it: log ids and codes, not values.
 */
export const logger = pino(
  {
    // startApp sets the configured level (config.ts LOG_LEVEL); scripts and tests before it stay quiet in tests.
    level: process.env.NODE_ENV === 'test' ? 'silent' : 'info',
    base: { service: 'customer360-gateway' },
    timestamp: pino.stdTimeFunctions.isoTime,
  },
  process.stdout.isTTY ? readable(stdout()) : stdout(),
);
