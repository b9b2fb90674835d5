import { describe, expect, it } from 'vitest';
import {
  greatCircleMatrix,
  type MatrixFallbackEvent,
  type MatrixPort,
  MatrixTimeoutError,
  withFallback,
} from '../../../shared/solver';

const points = [
  { lat: 59.33, lon: 18.06 },
  { lat: 59.4, lon: 17.95 },
  { lat: 59.2, lon: 18.2 },
];
const road: MatrixPort = {
  matrix: async (pts) => ({
    distances: new Float64Array(pts.length * pts.length).fill(1234),
    durations: new Float64Array(pts.length * pts.length).fill(99),
  }),
};
const failing: MatrixPort = {
  matrix: async () => {
    throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
  },
};

/** A sleep that resolves only when the test says so. */
function manualSleep() {
  const pending: (() => void)[] = [];
  return {
    sleep: (_ms: number, signal: AbortSignal) =>
      new Promise<void>((resolve, reject) => {
        pending.push(resolve);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      }),
    fire: () => {
      for (const resolve of pending.splice(0)) resolve();
    },
  };
}

describe('withFallback', () => {
  it('answers from the primary when it answers', async () => {
    const events: MatrixFallbackEvent[] = [];
    const port = withFallback(road, greatCircleMatrix(), {
      timeoutMs: 1000,
      onFallback: (e) => events.push(e),
    });
    expect((await port.matrix(points)).distances[1]).toBe(1234);
    expect(events).toEqual([]);
  });

  it('answers from the great-circle estimate when the primary fails, and says so', async () => {
    const events: MatrixFallbackEvent[] = [];
    const port = withFallback(failing, greatCircleMatrix(), { onFallback: (e) => events.push(e) });
    const m = await port.matrix(points);
    const estimate = await greatCircleMatrix().matrix(points);
    expect(Array.from(m.distances as Int32Array)).toEqual(Array.from(estimate.distances as Int32Array));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ timedOut: false, points: 3 });
    expect((events[0]!.error as Error).name).toBe('ThrottlingException');
  });

  it('stops waiting after timeoutMs; a late answer is not used for that call', async () => {
    const clock = manualSleep();
    let answer!: () => void;
    const slow: MatrixPort = {
      matrix: (pts) =>
        new Promise((resolve) => {
          answer = () => resolve(road.matrix(pts));
        }),
    };
    const events: MatrixFallbackEvent[] = [];
    const port = withFallback(slow, greatCircleMatrix(), {
      timeoutMs: 4000,
      sleep: clock.sleep,
      onFallback: (e) => events.push(e),
    });
    const call = port.matrix(points);
    await Promise.resolve();
    clock.fire();
    const m = await call;
    answer();
    expect(m.distances[1]).not.toBe(1234);
    expect(events[0]).toMatchObject({ timedOut: true });
    expect(events[0]!.error).toBeInstanceOf(MatrixTimeoutError);
  });

  it('ignores a primary that fails after the timeout (no unhandled rejection)', async () => {
    const clock = manualSleep();
    let fail!: () => void;
    const late: MatrixPort = {
      matrix: () =>
        new Promise((_, reject) => {
          fail = () => reject(new Error('late failure'));
        }),
    };
    const port = withFallback(late, greatCircleMatrix(), { timeoutMs: 10, sleep: clock.sleep });
    const call = port.matrix(points);
    await Promise.resolve();
    clock.fire();
    await call;
    fail();
    await new Promise((r) => setImmediate(r));
  });
});
