import { describe, expect, it } from 'vitest';
import { formatDuration, formatProgress, progressLine } from '../../../shared/runtime/cli';

/** The progress line of long reconcile and replay runs, on a fake clock and a fake stream. */
function rig(isTTY: boolean) {
  let t = 0;
  const out: string[] = [];
  const stream = { isTTY, write: (s: string) => out.push(s) };
  const progress = progressLine({ label: 'replay', stream, now: () => t, intervalMs: 5000 });
  return { progress, out, tick: (ms: number) => (t += ms) };
}

describe('progress line', () => {
  it('states done/total, the rate and the time left', () => {
    expect(formatProgress(50, 200, 10_000)).toBe('50/200 (25%), 5.0/s, ETA 0:30');
    expect(formatProgress(0, 10, 0)).toBe('0/10 (0%), 0.0/s, ETA ?');
    expect(formatDuration(3725)).toBe('1:02:05');
  });

  it('on a TTY: one line redrawn in place, ended with a newline', () => {
    const { progress, out, tick } = rig(true);
    for (let i = 1; i <= 100; i++) {
      tick(50);
      progress.update(i, 100);
    }
    progress.finish();
    expect(out.length).toBeGreaterThan(10);
    expect(out.slice(0, -1).every((s) => s.startsWith('\rreplay ['))).toBe(true);
    expect(out.at(-2)).toContain('100/100 (100%), 20/s, ETA 0:00');
    expect(out.at(-1)).toBe('\n');
  });

  it('not a TTY: a plain line every interval and a last one; nothing for a short run', () => {
    const { progress, out, tick } = rig(false);
    for (let i = 1; i <= 120; i++) {
      tick(100);
      progress.update(i, 120);
    }
    progress.finish();
    expect(out).toEqual([
      'replay: 50/120 (41%), 10/s, ETA 0:07\n',
      'replay: 100/120 (83%), 10/s, ETA 0:02\n',
      'replay: 120/120 (100%), 10/s, ETA 0:00\n',
    ]);
    const short = rig(false);
    for (let i = 1; i <= 5; i++) {
      short.tick(10_000);
      short.progress.update(i, 5);
    }
    short.progress.finish();
    expect(short.out).toEqual([]);
  });
});
