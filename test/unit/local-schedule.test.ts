import { describe, expect, it } from 'vitest';
import { DAILY_RECONCILIATION_UTC, nextDailyAt, onSchedule } from '../../local/modules/schedule';
import { VirtualClock } from '../../shared/domain/clock';

const at = (iso: string) => Date.parse(iso);
const HOUR = 3600_000;

describe('the local runtime scheduler (what EventBridge Scheduler does in AWS)', () => {
  it('the daily run falls at 03:30 UTC: later the same day before it, the next day at or after it', () => {
    expect(nextDailyAt(at('2026-12-02T01:00:00Z'), DAILY_RECONCILIATION_UTC)).toBe(
      at('2026-12-02T03:30:00Z'),
    );
    expect(nextDailyAt(at('2026-12-02T03:30:00Z'), DAILY_RECONCILIATION_UTC)).toBe(
      at('2026-12-03T03:30:00Z'),
    );
    expect(nextDailyAt(at('2026-12-02T22:15:00Z'), DAILY_RECONCILIATION_UTC)).toBe(
      at('2026-12-03T03:30:00Z'),
    );
    // Across a month and a year end.
    expect(nextDailyAt(at('2026-12-31T04:00:00Z'), DAILY_RECONCILIATION_UTC)).toBe(
      at('2027-01-01T03:30:00Z'),
    );
  });

  it('runs the daily comparison once per service day at 03:30 UTC, goes on after a failed run, stops on abort', async () => {
    const clock = new VirtualClock(at('2026-12-02T08:00:00Z'));
    const abort = new AbortController();
    const runs: string[] = [];
    const errors: unknown[] = [];
    let fail = true;
    const loop = onSchedule(
      clock,
      (now) => nextDailyAt(now, DAILY_RECONCILIATION_UTC),
      abort.signal,
      async () => {
        runs.push(new Date(clock.now()).toISOString());
        if (fail) {
          fail = false;
          throw new Error('the SCM listing answered 503');
        }
      },
      (error) => errors.push(error),
    );
    await clock.advance(19 * HOUR); // 03:00 the next day: not yet
    expect(runs).toEqual([]);
    await clock.advance(HOUR); // 04:00
    expect(runs).toEqual(['2026-12-03T03:30:00.000Z']);
    expect(errors).toHaveLength(1); // the failed run is reported, the schedule goes on
    await clock.advance(48 * HOUR);
    expect(runs).toEqual([
      '2026-12-03T03:30:00.000Z',
      '2026-12-04T03:30:00.000Z',
      '2026-12-05T03:30:00.000Z',
    ]);
    abort.abort();
    await loop; // resolves: stopped during its wait
    await clock.advance(48 * HOUR);
    expect(runs).toHaveLength(3);
  });

  it('runs the hourly reconciliation every service hour from the start', async () => {
    const clock = new VirtualClock(at('2026-12-02T08:10:00Z'));
    const abort = new AbortController();
    const runs: number[] = [];
    const loop = onSchedule(
      clock,
      (now) => now + HOUR,
      abort.signal,
      async () => {
        runs.push(clock.now());
      },
      () => undefined,
    );
    await clock.advance(3 * HOUR + 59 * 60_000);
    expect(runs.map((t) => new Date(t).toISOString())).toEqual([
      '2026-12-02T09:10:00.000Z',
      '2026-12-02T10:10:00.000Z',
      '2026-12-02T11:10:00.000Z',
    ]);
    abort.abort();
    await loop;
  });
});
