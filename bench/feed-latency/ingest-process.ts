import { ChildProcess, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/** Prometheus samples by their full name with labels, as exposed: `ingest_feed_lag_seconds{kind="holdings"}`. */
export type Samples = Map<string, number>;

/**
 * `npm run ingest` as production runs it (the feed consumer and the segment
 * refresher in one process, default settings), against the bench database
 * and a subject prefix of the run's own. It gets a process group of its own,
 * so that stopping it reaches node behind npm (npm does not pass SIGTERM on).
 */
export class IngestProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly metricsUrl: string,
  ) {}

  /** `settings`: DATABASE_URL, NATS_URL, NATS_SUBJECT_PREFIX and any setting to change from its default. */
  static async start(settings: Record<string, string>, logFile: string) {
    const port = await freePort();
    const log = openSync(logFile, 'w');
    const child = spawn('npm', ['run', 'ingest'], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', log, log],
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ...settings,
        INGEST_METRICS_PORT: String(port),
      },
    });
    const ingest = new IngestProcess(child, `http://127.0.0.1:${port}/metrics`);
    await ingest.waitUntilTakingEvents();
    return ingest;
  }

  /** The pid of npm (the group leader): the ingest node process is its child. */
  get groupId(): number {
    return this.child.pid!;
  }

  async metrics(): Promise<Samples> {
    const text = await (await fetch(this.metricsUrl)).text();
    const samples: Samples = new Map();
    for (const line of text.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const at = line.lastIndexOf(' ');
      samples.set(line.slice(0, at), Number(line.slice(at + 1)));
    }
    return samples;
  }

  /**
   * SIGTERM to the group: the consumer finishes its batch in flight, then the
   * process exits. npm exits at once; node may take a fetch and a batch longer,
   * and its streams must outlive it.
   */
  async stop(): Promise<void> {
    if (!this.groupAlive()) return;
    process.kill(-this.groupId, 'SIGTERM');
    for (let i = 0; i < 300 && this.groupAlive(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    if (this.groupAlive()) throw new Error('npm run ingest did not stop within 30 s of SIGTERM');
  }

  private groupAlive(): boolean {
    try {
      process.kill(-this.groupId, 0);
      return true;
    } catch {
      return false;
    }
  }

  private async waitUntilTakingEvents(): Promise<void> {
    for (let i = 0; i < 600; i++) {
      if (this.child.exitCode !== null) throw new Error(`npm run ingest exited with ${this.child.exitCode}`);
      const running = await this.metrics().then(
        (samples) => samples.get('ingest_consumer_running') === 1,
        () => false,
      );
      if (running) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('npm run ingest did not start taking events within a minute');
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
