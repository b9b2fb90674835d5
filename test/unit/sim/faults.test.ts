import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../shared/runtime/cli';
import { describeFault, parseDuration, parseFaults } from '../../sim/faults';

describe('npm run simulate -- --faults', () => {
  it('reads the issue example: names, start and duration in simulated seconds, shares and factors', () => {
    const faults = parseFaults(
      'scm-down@1h+20m,scm-slow@2h+10m,scm-409@0h+3h:0.1,kill@1h30m,duplicates,out-of-order,malformed:0.02,burst@2h:5x',
    );
    expect(faults).toEqual([
      { kind: 'scm-down', at: 3600, duration: 1200 },
      { kind: 'scm-slow', at: 7200, duration: 600 },
      { kind: 'scm-409', at: 0, duration: 10_800, share: 0.1 },
      { kind: 'kill', at: 5400 },
      { kind: 'duplicates' },
      { kind: 'out-of-order' },
      { kind: 'malformed', share: 0.02 },
      { kind: 'burst', at: 7200, duration: 600, factor: 5 },
    ]);
    expect(faults.map(describeFault).join(',')).toBe(
      'scm-down@1h+20m,scm-slow@2h+10m,scm-409@0s+3h:0.1,kill@1h30m,duplicates,out-of-order,malformed:0.02,burst@2h+10m:5x',
    );
    expect(parseFaults('')).toEqual([]);
    expect(parseDuration('90s', 'x')).toBe(90);
  });

  it.each([
    ['scm-down@1h', /scm-down needs a duration/],
    ['scm-409@0h+1h', /scm-409 needs a share/],
    ['scm-409@0h+1h:1.5', /share must be a number in \(0, 1\]/],
    ['kill', /kill needs a start/],
    ['kill@1h+5m', /kill takes no duration/],
    ['duplicates@1h', /whole run/],
    ['burst@1h:fast', /burst factor/],
    ['scm-down@hm+1h', /must be a duration/],
    ['scm-down@soon+1h', /cannot read/],
    ['earthquake@1h', /unknown fault 'earthquake'/],
  ])('%s is a usage error naming the problem', (text, message) => {
    expect(() => parseFaults(text)).toThrow(UsageError);
    expect(() => parseFaults(text)).toThrow(message);
  });
});
