/**
 * A background loop: runs `tick` at once, then again after pollMs, or at
 * once when the tick says there is more to do. Ticks never overlap; stop()
 * ends the loop and waits for the tick in flight, and `signal` tells a long
 * tick to finish early. A tick's failure is the tick's own to report: the
 * loop goes on after it.
 */
export class PollLoop {
  private readonly stopping = new AbortController();
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;

  constructor(
    private readonly tick: () => Promise<boolean>,
    private readonly pollMs: number,
  ) {}

  /** Aborted once stop() is called. */
  get signal(): AbortSignal {
    return this.stopping.signal;
  }

  start(): void {
    if (this.timer || this.stopping.signal.aborted) return;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    clearTimeout(this.timer);
    await this.inFlight;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.inFlight = this.tick()
        .catch(() => false)
        .then((more) => {
          this.inFlight = undefined;
          if (!this.stopping.signal.aborted) this.schedule(more ? 0 : this.pollMs);
        });
    }, delayMs);
  }
}
