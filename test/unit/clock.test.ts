import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CLOCK_FILE, startPersistentClock } from '../../local/services/clock';
import {
  remainingMs,
  scaledClock,
  serviceClock,
  systemClock,
  VirtualClock,
  wallBudget,
  withinWallTime,
} from '../../shared/domain/clock';

const WALL = Date.parse('2026-12-02T02:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let dir: string;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
  vi.setSystemTime(WALL);
  dir = mkdtempSync(join(tmpdir(), 'clock-'));
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

const wallAdvance = (ms: number) => vi.setSystemTime(Date.now() + ms);

describe('service clock', () => {
  it('clocks built from one anchor read one time, however late each was built', () => {
    const anchor = { wallMs: WALL, clockMs: WALL + 5 * HOUR };
    const early = scaledClock(60, anchor);
    wallAdvance(2_000); // a second composition root built 2 s of wall time later
    const late = serviceClock({
      TIME_SCALE: 60,
      CLOCK_ANCHOR_MS: anchor.clockMs,
      CLOCK_ANCHOR_WALL_MS: WALL,
    });
    expect(late.now()).toBe(early.now());
    expect(early.now()).toBe(WALL + 5 * HOUR + 2 * MINUTE);
    // Without an anchor at scale 1: the wall clock itself (AWS).
    expect(serviceClock({ TIME_SCALE: 1 })).toBe(systemClock);
  });

  it('continues from where it stopped across restarts at any scale: never backwards', () => {
    const first = startPersistentClock(dir, 60);
    expect(first.clock.now()).toBe(WALL);
    wallAdvance(21 * MINUTE); // 21 min at TIME_SCALE=60: 21 h on the clock
    const stoppedAt = first.clock.now();
    expect(stoppedAt).toBe(WALL + 21 * HOUR);
    first.close();

    // A restart 30 s later at scale 1: from 21 h ahead, at the wall clock's pace.
    wallAdvance(30_000);
    const second = startPersistentClock(dir, 1);
    expect(second.clock.now()).toBe(stoppedAt);
    wallAdvance(10 * MINUTE);
    expect(second.clock.now()).toBe(stoppedAt + 10 * MINUTE);
    const secondStop = second.clock.now();
    second.close();

    // And at scale 60 again.
    const third = startPersistentClock(dir, 60);
    expect(third.clock.now()).toBe(secondStop);
    wallAdvance(1_000);
    expect(third.clock.now()).toBe(secondStop + MINUTE);
    third.close();
  });

  it('after SIGKILL (nothing written at the end) it goes on from no earlier than any time it handed out', () => {
    const run = startPersistentClock(dir, 60, { leadMs: 2_000 });
    let last = 0;
    // Read now and then over 10 minutes of wall time; timers fire as they would.
    for (let i = 0; i < 600; i++) {
      vi.advanceTimersByTime(997);
      last = Math.max(last, run.clock.now());
    }
    // Killed: no close(). The anchor the functions got reads the same time as the runtime's clock.
    const functionClock = serviceClock({
      TIME_SCALE: 60,
      CLOCK_ANCHOR_MS: Number(run.env.CLOCK_ANCHOR_MS),
      CLOCK_ANCHOR_WALL_MS: Number(run.env.CLOCK_ANCHOR_WALL_MS),
    });
    vi.advanceTimersByTime(300); // the functions kept working between two checkpoints
    last = Math.max(last, functionClock.now());
    const saved = JSON.parse(readFileSync(join(dir, CLOCK_FILE), 'utf8')) as { notBeforeMs: number };
    expect(saved.notBeforeMs).toBeGreaterThanOrEqual(last);

    wallAdvance(5_000);
    const restarted = startPersistentClock(dir, 60, { leadMs: 2_000 });
    const resumed = restarted.clock.now();
    expect(resumed).toBeGreaterThanOrEqual(last);
    // At most the lead (2 s of wall time, scaled) later than where it was.
    expect(resumed - last).toBeLessThanOrEqual(2_000 * 60);
    restarted.close();
  });

  it('a clock that fell behind the wall clock (downtime, scale below 1) restarts at the wall clock', () => {
    const slow = startPersistentClock(dir, 0.5);
    wallAdvance(HOUR);
    expect(slow.clock.now()).toBe(WALL + HOUR / 2);
    slow.close();
    const next = startPersistentClock(dir, 1);
    expect(next.clock.now()).toBe(WALL + HOUR);
    next.close();
  });

  it('budgets run on the wall-time stopwatch: 50 ms of work are 3 s of a clock scaled by 60, and 50 ms of wallMs', () => {
    vi.useRealTimers();
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    vi.setSystemTime(WALL);
    for (const clock of [scaledClock(60), systemClock, new VirtualClock()]) {
      const started = clock.wallMs();
      const at = clock.now();
      vi.advanceTimersByTime(50);
      expect(clock.wallMs() - started).toBe(50);
      expect(remainingMs(clock, started, 10_000)).toBe(9_950);
      expect(remainingMs(clock, started, 20)).toBe(0);
      if (clock !== systemClock && !(clock instanceof VirtualClock)) expect(clock.now() - at).toBe(3_000);
    }
  });

  it('a wall budget on a clock scaled by 60: 50 ms of work leave 9,950 ms of 10 s (not the 7 s the scaled time would)', () => {
    vi.useRealTimers();
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    vi.setSystemTime(WALL);
    const clock = scaledClock(60);
    const budget = wallBudget(clock, 10_000);
    const stopwatch = wallBudget(clock);
    const at = clock.now();
    vi.advanceTimersByTime(50);
    expect(clock.now() - at).toBe(3_000);
    expect(budget.elapsedMs()).toBe(50);
    expect(budget.remainingMs()).toBe(9_950);
    expect(stopwatch.remainingMs()).toBe(Number.POSITIVE_INFINITY);
    vi.advanceTimersByTime(10_000);
    expect(budget.remainingMs()).toBe(0);
  });

  it('withinWallTime: the value when the work settles in time, undefined when the wall time runs out', async () => {
    vi.useRealTimers();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    expect(await withinWallTime(Promise.resolve('done'), 1_000)).toBe('done');
    const late = withinWallTime(new Promise<string>(() => {}), 1_000);
    vi.advanceTimersByTime(1_000);
    expect(await late).toBeUndefined();
    await expect(withinWallTime(Promise.reject(new Error('boom')), 1_000)).rejects.toThrow('boom');
  });
});
