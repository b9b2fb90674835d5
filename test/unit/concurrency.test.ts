import { describe, expect, it } from 'vitest';
import { mapBounded } from '../../shared/domain/concurrency';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('mapBounded', () => {
  it('answers the results in the order of the items, whatever order they finish in', async () => {
    const items = [5, 1, 4, 2, 3];
    const out = await mapBounded(items, 3, async (n) => {
      for (let i = 0; i < n; i++) await tick();
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
  });

  it('never has more than the bound in flight, and uses all of it', async () => {
    let inFlight = 0;
    let peak = 0;
    await mapBounded(
      Array.from({ length: 40 }, (_, i) => i),
      4,
      async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await tick();
        await tick();
        inFlight--;
      },
    );
    expect(peak).toBe(4);
  });

  it('on a failure starts nothing more, waits for the work in flight, then throws the first error', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const run = mapBounded(
      Array.from({ length: 20 }, (_, i) => i),
      3,
      async (n) => {
        started.push(n);
        if (n === 1) throw new Error('write 1 failed');
        await tick();
        await tick();
        finished.push(n);
        return n;
      },
    );
    await expect(run).rejects.toThrow('write 1 failed');
    expect(started.length).toBeLessThan(6);
    // Every item started other than the failed one ran to its end before the error surfaced.
    expect(finished.sort((a, b) => a - b)).toEqual(started.filter((n) => n !== 1).sort((a, b) => a - b));
  });

  it('answers an empty list without calling the work', async () => {
    let calls = 0;
    expect(await mapBounded([], 8, async () => calls++)).toEqual([]);
    expect(calls).toBe(0);
  });
});
