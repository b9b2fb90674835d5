import { describe, expect, it } from 'vitest';
import { etaByRate, formatEta, progressLine } from '../../bench/progress';

describe('the progress line of simulate and bench:pipeline', () => {
  it('formats the seconds left, and says ? when there is no estimate yet', () => {
    expect(formatEta(42.4)).toBe('ETA 42s');
    expect(formatEta(185)).toBe('ETA 3m05s');
    expect(formatEta(3725)).toBe('ETA 1h02m');
    expect(formatEta(undefined)).toBe('ETA ?');
    expect(formatEta(Number.NaN)).toBe('ETA ?');
    expect(etaByRate(0, 10, 5)).toBeUndefined();
    expect(etaByRate(10, 10, 0)).toBe(0);
    expect(etaByRate(25, 100, 10)).toBe(30);
  });

  it('without a terminal: one full line per interval, logged lines in between, a last line at the end', () => {
    let t = 0;
    const out: string[] = [];
    const p = progressLine({
      label: 'bench',
      stream: { write: (s) => out.push(s) },
      now: () => t,
      logEveryMs: 10_000,
    });
    p.update('1/10', 90);
    t = 5000;
    p.update('2/10', 20);
    p.log('a finding');
    t = 12_000;
    p.update('3/10', 28);
    p.end();
    expect(out).toEqual([
      'bench 1/10  elapsed 0s  ETA 1m30s\n',
      'a finding\n',
      'bench 3/10  elapsed 12s  ETA 28s\n',
      'bench 3/10  elapsed 12s  ETA 28s\n',
    ]);
  });

  it('on a terminal: the line is rewritten in place and a logged line goes above it', () => {
    let t = 0;
    let screen = '';
    const p = progressLine({
      label: 'sim',
      stream: { isTTY: true, write: (s) => (screen += s) },
      now: () => t,
      ttyEveryMs: 500,
    });
    p.update('a', 10);
    t = 100;
    p.update('b', 9); // within the interval: not drawn yet
    p.log('kill -9');
    t = 700;
    p.update('c', 3);
    p.end('done');
    expect(screen).toBe(
      '\r\x1b[Ksim a  elapsed 0s  ETA 10s' +
        '\r\x1b[Kkill -9\nsim b  elapsed 0s  ETA 9s' +
        '\r\x1b[Ksim c  elapsed 1s  ETA 3s' +
        '\r\x1b[Ksim done  elapsed 1s  ETA 0s\n',
    );
  });
});
