import { describe, expect, it } from 'vitest';
import {
  cachedMatrix,
  type GeoPoint,
  greatCircleMatrix,
  insertShipment,
  type MatrixPort,
  type MatrixResult,
  planRoutes,
  type RoutingInput,
  readBlock,
} from '../../../shared/solver';

const key = (p: GeoPoint) => `${p.lat.toFixed(6)},${p.lon.toFixed(6)}`;

/** Great-circle answers over `block` (and `matrix`), recording what was asked. */
function recordingPort(options: { withBlock?: boolean; unreachable?: [GeoPoint, GeoPoint] } = {}) {
  const calls: { kind: 'block' | 'matrix'; origins: string[]; destinations: string[] }[] = [];
  const estimate = greatCircleMatrix();
  const answer = async (origins: GeoPoint[], destinations: GeoPoint[]): Promise<MatrixResult> => {
    const all = [...origins, ...destinations];
    const m = (await estimate.matrix(all)) as { distances: Int32Array; durations: Int32Array };
    const N = all.length;
    const pick = (values: Int32Array) =>
      origins.map((o, a) =>
        destinations.map((d, b) => {
          const [u, v] = options.unreachable ?? [];
          if (u && v && key(o) === key(u) && key(d) === key(v)) return null;
          return values[a * N + origins.length + b]!;
        }),
      );
    return { distances: pick(m.distances), durations: pick(m.durations) };
  };
  const port: MatrixPort = {
    async matrix(points) {
      calls.push({ kind: 'matrix', origins: points.map(key), destinations: points.map(key) });
      return answer(points, points);
    },
  };
  if (options.withBlock !== false) {
    port.block = async (origins, destinations) => {
      calls.push({ kind: 'block', origins: origins.map(key), destinations: destinations.map(key) });
      return answer(origins, destinations);
    };
  }
  return { port, calls };
}

const points = (n: number, offset = 0): GeoPoint[] =>
  Array.from({ length: n }, (_, i) => ({
    lat: 59.3 + (i + offset) * 0.011,
    lon: 18.0 + ((i + offset) % 7) * 0.023,
  }));

async function reference(pts: GeoPoint[]) {
  const m = await greatCircleMatrix().matrix(pts);
  return {
    distances: Array.from(m.distances as Int32Array),
    durations: Array.from(m.durations as Int32Array),
  };
}

/** Any accepted answer shape as flat arrays (unreachable: -1). */
const flat = (m: MatrixResult) => {
  const n = Math.round(Math.sqrt((m.distances as ArrayLike<unknown>).length));
  const rows =
    typeof (m.distances as ArrayLike<unknown>)[0] === 'object'
      ? (m.distances as ArrayLike<unknown>).length
      : n;
  return {
    distances: Array.from(readBlock(m.distances, rows, rows, 'distance')),
    durations: Array.from(readBlock(m.durations, rows, rows, 'duration')),
  };
};

describe('cachedMatrix', () => {
  it('asks only for the new point’s row and column on the second call', async () => {
    const { port, calls } = recordingPort();
    const cached = cachedMatrix(port, { maxPoints: 100 });
    const first = points(20);
    expect(flat(await cached.matrix(first))).toEqual(await reference(first));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.origins).toHaveLength(20);
    expect(calls[0]!.destinations).toHaveLength(20);

    calls.length = 0;
    const added = { lat: 59.9, lon: 18.9 };
    // the same points in another order, plus one
    const second = [...first.slice(10), added, ...first.slice(0, 10)];
    expect(flat(await cached.matrix(second))).toEqual(await reference(second));
    expect(calls).toHaveLength(2);
    const row = calls.find((c) => c.origins.length === 1)!;
    const column = calls.find((c) => c.destinations.length === 1)!;
    expect(row.origins).toEqual([key(added)]);
    expect(row.destinations.sort()).toEqual(second.map(key).sort());
    expect(column.destinations).toEqual([key(added)]);
    expect(column.origins.sort()).toEqual(first.map(key).sort());
    expect(cached.stats().pairsRequested).toBe(20 * 20 + 21 + 20);

    calls.length = 0;
    await cached.matrix(second.slice(3, 15));
    expect(calls).toEqual([]);
  });

  it('asks a port without `block` for the square matrix once, then answers from memory', async () => {
    const { port, calls } = recordingPort({ withBlock: false });
    const cached = cachedMatrix(port);
    const pts = points(8);
    await cached.matrix(pts);
    expect(flat(await cached.matrix([...pts].reverse()))).toEqual(await reference([...pts].reverse()));
    expect(calls).toHaveLength(1);
  });

  it('remembers unreachable pairs (-1) and does not ask for them again', async () => {
    const pts = points(6);
    const { port, calls } = recordingPort({ unreachable: [pts[1]!, pts[4]!] });
    const cached = cachedMatrix(port);
    for (let k = 0; k < 2; k++) {
      const m = await cached.matrix(pts);
      expect((m.distances as Float64Array)[1 * 6 + 4]).toBe(-1);
      expect((m.durations as Float64Array)[1 * 6 + 4]).toBe(-1);
      expect((m.distances as Float64Array)[4 * 6 + 1]).toBeGreaterThan(0);
    }
    expect(calls).toHaveLength(1);
  });

  it('treats points within 1e-6° as one (distance 0 between them)', async () => {
    const { port, calls } = recordingPort();
    const cached = cachedMatrix(port);
    const [a, b] = points(2);
    const m = await cached.matrix([a!, b!, { lat: a!.lat + 2e-7, lon: a!.lon - 2e-7 }]);
    expect(calls[0]!.origins).toHaveLength(2);
    expect((m.distances as Float64Array)[0 * 3 + 2]).toBe(0);
    expect((m.distances as Float64Array)[1 * 3 + 2]).toBe((m.distances as Float64Array)[1 * 3 + 0]);
  });

  it('bounds its memory: least recently used points are evicted and asked for again', async () => {
    const { port, calls } = recordingPort();
    const cached = cachedMatrix(port, { maxPoints: 10 });
    const a = points(6);
    const b = points(6, 100);
    await cached.matrix(a);
    await cached.matrix([...a.slice(4), ...b.slice(0, 4)]); // a[4], a[5] used again: a[0..3] are older
    expect(cached.stats().points).toBe(10);
    await cached.matrix(b); // two more points: a[0] and a[1] go
    expect(cached.stats()).toMatchObject({ points: 10, evictions: 2 });
    calls.length = 0;
    expect(flat(await cached.matrix([a[2]!, a[3]!, a[4]!]))).toEqual(await reference([a[2]!, a[3]!, a[4]!]));
    expect(calls).toEqual([]);
    const again = [a[0]!, a[4]!, a[5]!];
    expect(flat(await cached.matrix(again))).toEqual(await reference(again));
    expect(calls.map((c) => c.origins.length === 1 || c.destinations.length === 1)).toEqual([true, true]);
  });

  it('passes a call with more distinct points than it can hold straight to the port', async () => {
    const { port, calls } = recordingPort();
    const cached = cachedMatrix(port, { maxPoints: 4 });
    const pts = points(5);
    expect(flat(await cached.matrix(pts))).toEqual(await reference(pts));
    expect(calls.map((c) => c.kind)).toEqual(['matrix']);
    expect(cached.stats().points).toBe(0);
  });

  it('keeps nothing from a failed request', async () => {
    let fail = true;
    const { port, calls } = recordingPort();
    const failing: MatrixPort = {
      matrix: port.matrix,
      block: async (o, d) => {
        if (fail) throw new Error('provider down');
        return port.block!(o, d);
      },
    };
    const cached = cachedMatrix(failing);
    const pts = points(5);
    await expect(cached.matrix(pts)).rejects.toThrow('provider down');
    fail = false;
    expect(flat(await cached.matrix(pts))).toEqual(await reference(pts));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.origins).toHaveLength(5);
  });

  it('does not evict points that a call in flight is using', async () => {
    const { port } = recordingPort();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slow: MatrixPort = {
      matrix: port.matrix,
      block: async (o, d) => {
        await gate;
        return port.block!(o, d);
      },
    };
    const cached = cachedMatrix(slow, { maxPoints: 8 });
    const a = points(5);
    const b = points(5, 50);
    const first = cached.matrix(a);
    // needs 5 slots while 5 of 8 are pinned: cannot be held, goes to the port uncached
    const second = cached.matrix(b);
    release();
    expect(flat(await first)).toEqual(await reference(a));
    expect(flat(await second)).toEqual(await reference(b));
    expect(cached.stats().points).toBe(5);
  });

  it('serves the URGENT insertion path: repeated insertions ask only for the new shipment', async () => {
    const { port, calls } = recordingPort();
    const cached = cachedMatrix(port);
    const T = Date.parse('2026-11-26T06:00:00Z') / 1000;
    const stops = points(30, 7);
    const input: RoutingInput = {
      depots: [{ id: 'D', location: { lat: 59.33, lon: 18.06 } }],
      vehicles: [1, 2, 3].map((v) => ({
        id: `V${v}`,
        startDepotId: 'D',
        capacityWeightKg: 2000,
        shiftStart: T + 3600,
        shiftEnd: T + 12 * 3600,
        fixedCost: 50,
        costPerKm: 1,
        costPerHour: 30,
      })),
      shipments: stops.map((p, i) => ({
        id: `S${i}`,
        originDepotId: 'D',
        destination: p,
        weightKg: 10,
        serviceSeconds: 120,
        mustServe: false,
      })),
      planningStart: T,
    };
    const plan = await planRoutes(input, { timeLimitMs: 200, seed: 1, inThread: true, matrix: cached });
    calls.length = 0;
    const urgent = (i: number) => ({
      id: `U${i}`,
      originDepotId: 'D',
      destination: { lat: 59.2 + i * 0.01, lon: 17.9 },
      weightKg: 5,
      serviceSeconds: 60,
      mustServe: true,
    });
    const inserted = await insertShipment({ plan, input, now: T }, urgent(1), 50, { matrix: cached });
    expect(inserted.routeVehicleId).toBeDefined();
    expect(calls.every((c) => c.origins.length === 1 || c.destinations.length === 1)).toBe(true);
    expect(calls.flatMap((c) => [...c.origins, ...c.destinations])).toContain(key(urgent(1).destination));
  });
});
