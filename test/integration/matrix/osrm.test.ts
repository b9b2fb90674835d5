import { afterEach, describe, expect, it } from 'vitest';
import { osrmMatrix } from '../../../shared/adapters/osrm/table-matrix';
import { routingMatrix } from '../../../shared/adapters/routing-matrix';
import { type GeoPoint, greatCircleMatrix } from '../../../shared/solver';
import { env, road, roadMetres, startOsrmStandIn, values } from './stand-ins';

let osrm: Awaited<ReturnType<typeof startOsrmStandIn>> | undefined;
afterEach(async () => {
  await osrm?.close();
  osrm = undefined;
});

const points = (n: number, offset = 0): GeoPoint[] =>
  Array.from({ length: n }, (_, i) => ({
    lat: 59.3 + (i + offset) * 0.013,
    lon: 18.0 + ((i + offset) % 5) * 0.031,
  }));

describe('OSRM table adapter against a loopback OSRM table server', () => {
  it('splits a matrix larger than the table size into blocks and assembles it', async () => {
    osrm = await startOsrmStandIn({ maxTableSize: 10 });
    const pts = points(23);
    const m = await osrmMatrix({ baseUrl: osrm.endpoint, maxLocations: 10 }).matrix(pts);
    expect(values(m, 23, 23)).toEqual(road(pts, pts));
    expect(Math.max(...osrm.requests.map((r) => r.coordinates))).toBeLessThanOrEqual(10);
    expect(osrm.requests.every((r) => r.profile === 'driving')).toBe(true);
    expect(osrm.requests).toHaveLength(25); // 5 × 5 blocks of ≤ 5 sources × 5 destinations
  });

  it('answers a rectangular block (one new row, one new column) within the table size', async () => {
    osrm = await startOsrmStandIn({ maxTableSize: 10 });
    const port = osrmMatrix({ baseUrl: `${osrm.endpoint}/`, maxLocations: 10 });
    const one = points(1, 99);
    const many = points(30);
    expect(values(await port.block!(one, many), 1, 30)).toEqual(road(one, many));
    expect(values(await port.block!(many, one), 30, 1)).toEqual(road(many, one));
    expect(Math.max(...osrm.requests.map((r) => r.coordinates))).toBeLessThanOrEqual(10);
    expect(osrm.requests).toHaveLength(8); // 30 / 9 per request, twice
  });

  it('maps a pair without a route (null) to unreachable (-1)', async () => {
    osrm = await startOsrmStandIn({ maxTableSize: 100 });
    const pts = points(6);
    osrm.control.noRoute.push([pts[2]!, pts[4]!]);
    const m = await osrmMatrix({ baseUrl: osrm.endpoint }).matrix(pts);
    expect((m.distances as Float64Array)[2 * 6 + 4]).toBe(-1);
    expect((m.durations as Float64Array)[2 * 6 + 4]).toBe(-1);
    expect((m.distances as Float64Array)[4 * 6 + 2]).toBe(roadMetres(pts[4]!, pts[2]!));
  });

  it('fails on a server error and on a TooBig answer', async () => {
    osrm = await startOsrmStandIn({ maxTableSize: 4 });
    osrm.control.failNext = 1;
    await expect(osrmMatrix({ baseUrl: osrm.endpoint, maxLocations: 4 }).matrix(points(3))).rejects.toThrow(
      'HTTP 503',
    );
    // a client that believes the server takes 10 locations is told TooBig
    await expect(osrmMatrix({ baseUrl: osrm.endpoint, maxLocations: 10 }).matrix(points(8))).rejects.toThrow(
      /TooBig/,
    );
  });

  it('through the configured port: cached (only the new point is asked for), and a failure falls back', async () => {
    osrm = await startOsrmStandIn({ maxTableSize: 100 });
    const fallbacks: unknown[] = [];
    const port = routingMatrix(
      env({ ROUTING_MATRIX: 'osrm', OSRM_URL: osrm.endpoint, OSRM_MAX_TABLE_SIZE: '100' }),
      {
        roadFactor: 1.3,
        speedKmh: 40,
        onFallback: (e) => fallbacks.push(e),
      },
    );
    const pts = points(12);
    expect(values(await port.matrix(pts), 12, 12)).toEqual(road(pts, pts));
    expect(osrm.requests).toHaveLength(1);

    osrm.requests.length = 0;
    const more = [...pts, ...points(1, 50)];
    expect(values(await port.matrix(more), 13, 13)).toEqual(road(more, more));
    expect(osrm.requests.map((r) => [r.sources, r.destinations]).sort()).toEqual([
      [1, 13],
      [12, 1],
    ]);

    // the server fails: this call gets the great-circle estimate, and it is reported
    osrm.control.failNext = 1;
    const other = points(4, 200);
    const estimate = await greatCircleMatrix({ roadFactor: 1.3, speedKmh: 40 }).matrix(other);
    expect(values(await port.matrix(other), 4, 4)).toEqual(values(estimate, 4, 4));
    expect(fallbacks).toEqual([expect.objectContaining({ provider: 'osrm', points: 4, timedOut: false })]);
    // … and the next call reaches the road network again (nothing of the failure was kept)
    expect(values(await port.matrix(other), 4, 4)).toEqual(road(other, other));
  });

  it('through the configured port: a server that is down degrades to the estimate', async () => {
    osrm = await startOsrmStandIn({ maxTableSize: 100 });
    const endpoint = osrm.endpoint;
    await osrm.close();
    osrm = undefined;
    const fallbacks: unknown[] = [];
    const port = routingMatrix(env({ ROUTING_MATRIX: 'osrm', OSRM_URL: endpoint }), {
      roadFactor: 1.3,
      speedKmh: 40,
      onFallback: (e) => fallbacks.push(e),
    });
    const pts = points(3);
    const estimate = await greatCircleMatrix({ roadFactor: 1.3, speedKmh: 40 }).matrix(pts);
    expect(values(await port.matrix(pts), 3, 3)).toEqual(values(estimate, 3, 3));
    expect(fallbacks).toHaveLength(1);
  });
});
