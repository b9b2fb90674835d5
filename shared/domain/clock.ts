/**
 * Time is a port: windows, waits, backoff and schedules read an injected clock, never Date.now()
 * or setTimeout directly, so they can run on a scaled (local runtime) or virtual (tests) clock.
 */
export interface Clock {
  /** Milliseconds since the epoch, on this clock's timeline. */
  now(): number;
  /** Resolves after `ms` milliseconds of this clock's time. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const isoAt = (clock: Clock): string => new Date(clock.now()).toISOString();

/** The wall clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => realSleep(ms, signal),
};

/**
 * A clock that runs `scale` times faster than the wall clock from the moment it is made:
 * with scale 60 a 10-minute window lasts 10 s and a 300 s wait lasts 5 s.
 */
export function scaledClock(scale: number, origin: number = Date.now()): Clock {
  if (!(scale > 0)) throw new RangeError(`time scale must be positive, got ${scale}`);
  if (scale === 1) return systemClock;
  return {
    now: () => origin + (Date.now() - origin) * scale,
    sleep: (ms, signal) => realSleep(ms / scale, signal),
  };
}

/** A clock that moves only when told to: for tests of windows, retries and schedules. */
export class VirtualClock implements Clock {
  private current: number;
  private sleepers: { until: number; resolve: () => void }[] = [];
  constructor(start: number = Date.parse('2026-11-26T08:00:00Z')) {
    this.current = start;
  }
  now(): number {
    return this.current;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const sleeper = { until: this.current + Math.max(0, ms), resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(signal.reason);
      });
    });
  }
  /** Moves time forward, waking every sleeper that falls due, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      const due = this.sleepers.filter((s) => s.until <= target).sort((a, b) => a.until - b.until)[0];
      if (!due) break;
      this.current = Math.max(this.current, due.until);
      this.sleepers = this.sleepers.filter((s) => s !== due);
      due.resolve();
      await new Promise((r) => setImmediate(r));
    }
    this.current = target;
  }
}

function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, Math.max(0, ms));
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}
