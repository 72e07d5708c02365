import cluster from 'node:cluster';
import pino, { DestinationStream } from 'pino';
import SonicBoom from 'sonic-boom';
import { prettyFactory } from 'pino-pretty';

/** How long the background writer keeps retrying a reader that takes nothing (a full pipe) before dropping the line. */
const STALLED_WRITE_LIMIT_MS = 1_000;
/** Lines waiting for a slow reader, at most; later ones are dropped. */
const MAX_PENDING_BYTES = 4 * 1024 * 1024;
/**
 * A cluster's workers share one stdout: a pipe writes at most PIPE_BUF (4096 on Linux) bytes whole, so each
 * write of a worker holds whole lines within that, and lines of two workers never interleave.
 */
const PIPE_BUF = 4096;

/**
 * stdout, written in the background: a slow log reader never slows a request
 * (synchronous writes made every request wait for it), and what it has not
 * taken is kept up to MAX_PENDING_BYTES, then dropped.
 *
 * Built with SonicBoom directly rather than pino.destination(), which
 * registers a synchronous flush for process exit. SonicBoom's synchronous
 * flush retries every write error but EAGAIN forever: a server whose reader
 * is gone (a closed pipe, EPIPE; a hung-up terminal, EIO) then sleeps in it
 * for good, port closed, never exiting. Instead shutdown calls flushLogs(),
 * which waits for the background writer at most a bounded time.
 */
const destination = new SonicBoom({
  fd: 1,
  sync: false,
  // Written at once all the same (lines are longer than a byte); with 0, flush() would not wait for the write in
  // flight, and shutdown's last lines ("stopped") were lost as the process exited.
  minLength: 1,
  maxLength: MAX_PENDING_BYTES,
  ...(cluster.isWorker ? { maxWrite: PIPE_BUF } : {}),
  retryEAGAIN: (() => {
    let stalledSince: number | undefined;
    return () => {
      stalledSince ??= Date.now();
      if (Date.now() - stalledSince < STALLED_WRITE_LIMIT_MS) return true;
      stalledSince = undefined;
      return false;
    };
  })(),
});
// A line that could not be written (reader stalled or gone) is lost; the next write tries again.
destination.on('error', () => {});

/** Waits until what was logged has been written, or `timeoutMs`, whichever comes first; never throws. */
export function flushLogs(timeoutMs = 1_000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    try {
      destination.flush(() => {
        clearTimeout(timer);
        resolve();
      });
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
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
    // In a cluster (GATEWAY_PROCESSES), which worker wrote the line.
    base: { service: 'customer360-gateway', ...(cluster.isWorker ? { worker: cluster.worker!.id } : {}) },
    timestamp: pino.stdTimeFunctions.isoTime,
  },
  process.stdout.isTTY ? readable(destination) : destination,
);
