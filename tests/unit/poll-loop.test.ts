import { PollLoop } from '../../src/common/poll-loop';

describe('PollLoop', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('ticks again at once while a tick has more to do, then waits a poll', async () => {
    let calls = 0;
    const loop = new PollLoop(async () => ++calls <= 3, 60_000);
    loop.start();
    for (let i = 0; i < 10; i++) await jest.advanceTimersByTimeAsync(1);
    expect(calls).toBe(4);
    await jest.advanceTimersByTimeAsync(59_000);
    expect(calls).toBe(4);
    await jest.advanceTimersByTimeAsync(2_000);
    expect(calls).toBe(5);
    await loop.stop();
  });

  it('goes on after a failed tick', async () => {
    let calls = 0;
    const loop = new PollLoop(async () => {
      calls++;
      if (calls === 1) throw new Error('database gone');
      return false;
    }, 1_000);
    loop.start();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(2);
    await loop.stop();
  });

  it('stops after the tick in flight, which sees the signal, and ticks no more', async () => {
    let finish!: () => void;
    let calls = 0;
    let abortedInTick = false;
    const loop = new PollLoop(
      () =>
        new Promise<boolean>((resolve) => {
          calls++;
          finish = () => {
            abortedInTick = loop.signal.aborted;
            resolve(true);
          };
        }),
      1_000,
    );
    loop.start();
    await jest.advanceTimersByTimeAsync(0);
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    finish();
    await stopping;
    expect(abortedInTick).toBe(true);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(calls).toBe(1);
  });
});
