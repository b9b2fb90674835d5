import { describe, expect, it } from 'vitest';
import {
  greatCircleMatrix,
  type MatrixPort,
  planRoutes,
  type RoutingInput,
  soloDistanceMeters,
} from '../../../shared/solver';
import { DAY_START, realisticInput } from '../../fixtures/solver/realistic';

const T = DAY_START;

function baseInput(): RoutingInput {
  return {
    depots: [
      { id: 'D1', location: { lat: 48.1, lon: 11.5 } },
      { id: 'D2', location: { lat: 48.2, lon: 11.7 } },
    ],
    vehicles: [
      {
        id: 'V1',
        startDepotId: 'D1',
        capacityWeightKg: 1000,
        capacityVolumeM3: 10,
        shiftStart: T,
        shiftEnd: T + 8 * 3600,
        fixedCost: 50,
        costPerKm: 0.5,
        costPerHour: 20,
      },
    ],
    shipments: [
      {
        id: 'ok',
        originDepotId: 'D1',
        destination: { lat: 48.11, lon: 11.52 },
        weightKg: 100,
        serviceSeconds: 300,
        mustServe: true,
      },
    ],
    planningStart: T,
  };
}

describe('great-circle matrix', () => {
  it('measures Munich → Berlin ≈ 504 km × road factor, at the given speed', async () => {
    const m = await greatCircleMatrix({ roadFactor: 1, speedKmh: 36 }).matrix([
      { lat: 48.1372, lon: 11.5756 },
      { lat: 52.52, lon: 13.405 },
    ]);
    const d = (m.distances as Int32Array)[1]!;
    expect(d).toBeGreaterThan(500_000);
    expect(d).toBeLessThan(510_000);
    expect((m.durations as Int32Array)[1]).toBe(Math.round(d / 10));
  });
});

describe('planRoutes', () => {
  it('plans a single shipment with consistent times and costs', async () => {
    const input = baseInput();
    const plan = await planRoutes(input, { timeLimitMs: 50, inThread: true, maxIterations: 20 });
    expect(plan.vehiclesUsed).toBe(1);
    const r = plan.routes[0]!;
    expect(r.stops.map((s) => s.shipmentId)).toEqual(['ok']);
    expect(r.start).toBeGreaterThanOrEqual(T);
    expect(r.stops[0]!.departure - r.stops[0]!.arrival).toBe(300);
    expect(r.end - r.start).toBe(r.durationSeconds);
    expect(r.cost).toBeCloseTo(50 + (0.5 * r.distanceMeters) / 1000 + (20 * r.durationSeconds) / 3600, 9);
    expect(plan.cost).toBeCloseTo(r.cost, 9);
    expect(await soloDistanceMeters(input)).toBe(r.distanceMeters);
  });

  it('reports a reason for every unassigned shipment', async () => {
    const input = baseInput();
    const dest = { lat: 48.11, lon: 11.52 };
    input.shipments.push(
      {
        id: 'heavy',
        originDepotId: 'D1',
        destination: dest,
        weightKg: 5000,
        serviceSeconds: 60,
        mustServe: false,
      },
      {
        id: 'bulky',
        originDepotId: 'D1',
        destination: dest,
        weightKg: 1,
        volumeM3: 50,
        serviceSeconds: 60,
        mustServe: false,
      },
      {
        id: 'orphan',
        originDepotId: 'D2',
        destination: dest,
        weightKg: 1,
        serviceSeconds: 60,
        mustServe: true,
      },
      {
        id: 'too-early',
        originDepotId: 'D1',
        destination: dest,
        weightKg: 1,
        serviceSeconds: 60,
        timeWindow: { start: T - 7200, end: T - 3600 },
        mustServe: true,
      },
      // ~ 600 km away: cannot be reached and back within an 8 h shift
      {
        id: 'far',
        originDepotId: 'D1',
        destination: { lat: 53.5, lon: 10 },
        weightKg: 1,
        serviceSeconds: 60,
        mustServe: false,
      },
    );
    const plan = await planRoutes(input, { timeLimitMs: 100, inThread: true, maxIterations: 50 });
    const reasons = Object.fromEntries(plan.unassigned.map((u) => [u.shipmentId, u.reason]));
    expect(reasons).toEqual({
      heavy: 'capacity',
      bulky: 'capacity',
      orphan: 'no_vehicle',
      'too-early': 'time_window',
      far: 'shift',
    });
    expect(plan.routes[0]!.stops.map((s) => s.shipmentId)).toEqual(['ok']);
  });

  it('reports unreachable destinations from the matrix port', async () => {
    const input = baseInput();
    input.shipments.push({
      id: 'island',
      originDepotId: 'D1',
      destination: { lat: 47, lon: 10 },
      weightKg: 1,
      serviceSeconds: 60,
      mustServe: false,
    });
    const gc = greatCircleMatrix();
    const port: MatrixPort = {
      async matrix(points) {
        const m = await gc.matrix(points);
        const n = points.length;
        const d = Array.from(m.distances as Int32Array);
        const t = Array.from(m.durations as Int32Array);
        for (let i = 0; i < n; i++) {
          d[i * n + (n - 1)] = i === n - 1 ? 0 : -1;
          t[(n - 1) * n + i] = i === n - 1 ? 0 : Number.POSITIVE_INFINITY;
        }
        return { distances: d, durations: t };
      },
    };
    const plan = await planRoutes(input, {
      timeLimitMs: 50,
      inThread: true,
      maxIterations: 20,
      matrix: port,
    });
    expect(plan.unassigned).toEqual([{ shipmentId: 'island', reason: 'unreachable' }]);
  });

  it('solves in a worker thread, keeping the event loop free, with the in-thread answer', async () => {
    const input = realisticInput({ shipments: 40, seed: 3 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const progress: number[] = [];
    const inWorker = await planRoutes(input, {
      timeLimitMs: 60_000,
      maxIterations: 1500,
      seed: 5,
      onProgress: (p) => progress.push(p.cost),
    });
    clearInterval(timer);
    const inThread = await planRoutes(input, {
      timeLimitMs: 60_000,
      maxIterations: 1500,
      seed: 5,
      inThread: true,
    });
    expect(inWorker).toEqual(inThread);
    expect(ticks).toBeGreaterThan(3);
    expect(progress.length).toBeGreaterThan(0);
  }, 30_000);

  it('returns early on a small window once the search stagnates', async () => {
    const t0 = performance.now();
    const plan = await planRoutes(realisticInput({ shipments: 4, seed: 9 }), {
      timeLimitMs: 20_000,
      seed: 1,
    });
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(plan.routes.reduce((a, r) => a + r.stops.length, 0) + plan.unassigned.length).toBe(4);
  }, 30_000);

  it('rejects a matrix port answer of the wrong size', async () => {
    const port: MatrixPort = { matrix: async () => ({ distances: [0, 1, 2], durations: [0, 1, 2] }) };
    await expect(planRoutes(baseInput(), { timeLimitMs: 10, inThread: true, matrix: port })).rejects.toThrow(
      /expected 9 entries/,
    );
  });
});
