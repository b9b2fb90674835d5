/**
 * Time is a port: windows, waits, backoff and schedules read an injected clock, never Date.now()
 * or setTimeout directly, so they can run on a scaled (local runtime) or virtual (tests) clock.
 */
export interface Clock {
  /** Milliseconds since the epoch, on this clock's timeline. */
  now(): number;
  /** Resolves after `ms` milliseconds of this clock's time. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Milliseconds of wall time on a monotonic stopwatch (any origin), never scaled: for budgets and
   * deadlines of work that takes real time (the URGENT 10 s, solver budgets). On a clock scaled by
   * 60, 50 ms of work are 3 s of `now()` but 50 ms of `wallMs()`.
   */
  wallMs(): number;
}

/** The wall time left of a budget started at `startedAtWallMs` (a `wallMs()` reading). */
export const remainingMs = (
  clock: Pick<Clock, 'wallMs'>,
  startedAtWallMs: number,
  budgetMs: number,
): number => Math.max(0, budgetMs - (clock.wallMs() - startedAtWallMs));

/**
 * A budget of wall time, read on a clock's stopwatch: the one way budgets and deadlines are kept
 * (the URGENT 10 s, a solver's time, how long a batch took). Never the scaled `now()`: at
 * TIME_SCALE=60, 50 ms of work leave 9,950 ms of a 10 s budget, not 7 s.
 */
export interface WallBudget {
  /** Wall ms since the budget started. */
  elapsedMs(): number;
  /** Wall ms left (0 once spent). */
  remainingMs(): number;
}

/** Starts a wall-time budget of `budgetMs` (default: unbounded, a stopwatch) at `startedAtWallMs`. */
export function wallBudget(
  clock: Pick<Clock, 'wallMs'>,
  budgetMs = Number.POSITIVE_INFINITY,
  startedAtWallMs = clock.wallMs(),
): WallBudget {
  return {
    elapsedMs: () => clock.wallMs() - startedAtWallMs,
    remainingMs: () => remainingMs(clock, startedAtWallMs, budgetMs),
  };
}

/**
 * `promise`'s value, or undefined when it has not settled within `ms` of wall time (the work goes
 * on in the background). Timeouts of work are wall time, like budgets.
 */
export async function withinWallTime<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  const timer = new AbortController();
  const timeout = realSleep(ms, timer.signal).then(
    () => undefined,
    () => undefined,
  );
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    timer.abort();
  }
}

/** Resolves after `ms` of wall time (rejects with the signal's reason on abort), whatever the clock's scale. */
export const wallSleep = (ms: number, signal?: AbortSignal): Promise<void> => realSleep(ms, signal);

export const isoAt = (clock: Clock): string => new Date(clock.now()).toISOString();

/** The wall clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => realSleep(ms, signal),
  wallMs: () => performance.now(),
};

/**
 * Where a scaled clock stands at one wall-clock instant: at wall time `wallMs` it reads `clockMs`.
 * Every clock of a process built from the same anchor and scale reads the same time.
 */
export interface ClockAnchor {
  wallMs: number;
  clockMs: number;
}

/**
 * A clock that runs `scale` times faster than the wall clock from its anchor (default: the wall
 * clock now): with scale 60 a 10-minute window lasts 10 s and a 300 s wait lasts 5 s.
 */
export function scaledClock(scale: number, anchor?: ClockAnchor): Clock {
  if (!(scale > 0)) throw new RangeError(`time scale must be positive, got ${scale}`);
  if (anchor && !(Number.isFinite(anchor.wallMs) && Number.isFinite(anchor.clockMs))) {
    throw new RangeError(`clock anchor must be finite, got ${JSON.stringify(anchor)}`);
  }
  if (scale === 1 && (!anchor || anchor.clockMs === anchor.wallMs)) return systemClock;
  const started = Date.now();
  const { wallMs, clockMs } = anchor ?? { wallMs: started, clockMs: started };
  return {
    now: () => clockMs + Math.floor((Date.now() - wallMs) * scale),
    sleep: (ms, signal) => realSleep(ms / scale, signal),
    wallMs: () => performance.now(),
  };
}

/** The service clock of a process from its settings (TIME_SCALE and the anchor of the environment). */
export function serviceClock(settings: {
  TIME_SCALE: number;
  CLOCK_ANCHOR_MS?: number | undefined;
  CLOCK_ANCHOR_WALL_MS?: number | undefined;
}): Clock {
  const { TIME_SCALE, CLOCK_ANCHOR_MS, CLOCK_ANCHOR_WALL_MS } = settings;
  if (CLOCK_ANCHOR_MS === undefined || CLOCK_ANCHOR_WALL_MS === undefined) return scaledClock(TIME_SCALE);
  return scaledClock(TIME_SCALE, { wallMs: CLOCK_ANCHOR_WALL_MS, clockMs: CLOCK_ANCHOR_MS });
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
  /** Work still takes real time on a virtual clock: budgets run on the wall clock. */
  wallMs(): number {
    return performance.now();
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
