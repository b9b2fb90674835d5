import { describe, expect, it } from 'vitest';
import { osrmMatrix } from '../../../shared/adapters/osrm/table-matrix';
import { type GeoPoint, greatCircleMatrix } from '../../../shared/solver';

/** A fake OSRM table server backed by the great-circle matrix; records request sizes. */
function fakeOsrm(points: GeoPoint[], sizes: number[], unreachable?: [number, number]): typeof fetch {
  const gc = greatCircleMatrix();
  return (async (url: string | URL | Request) => {
    const u = new URL(String(url));
    const coords = decodeURIComponent(u.pathname.split('/').pop()!)
      .split(';')
      .map((c) => c.split(',').map(Number) as [number, number]);
    sizes.push(coords.length);
    const ids = coords.map(([lon, lat]) =>
      points.findIndex((p) => Math.abs(p.lon - lon) < 1e-6 && Math.abs(p.lat - lat) < 1e-6),
    );
    const src = u.searchParams.get('sources')!.split(';').map(Number);
    const dst = u.searchParams.get('destinations')!.split(';').map(Number);
    const m = await gc.matrix(points);
    const n = points.length;
    const pick = (arr: ArrayLike<number>) =>
      src.map((a) =>
        dst.map((b) => {
          const i = ids[a]!;
          const j = ids[b]!;
          if (unreachable && i === unreachable[0] && j === unreachable[1]) return null;
          return (arr as ArrayLike<number>)[i * n + j]!;
        }),
      );
    return new Response(
      JSON.stringify({
        code: 'Ok',
        durations: pick(m.durations as Int32Array),
        distances: pick(m.distances as Int32Array),
      }),
    );
  }) as typeof fetch;
}

describe('OSRM table adapter', () => {
  const points: GeoPoint[] = Array.from({ length: 23 }, (_, i) => ({
    lat: 48 + i * 0.01,
    lon: 11 + (i % 5) * 0.02,
  }));

  it('chunks requests to the location limit and assembles the full matrix', async () => {
    const sizes: number[] = [];
    const port = osrmMatrix({
      baseUrl: 'http://osrm.test/',
      maxLocations: 10,
      fetch: fakeOsrm(points, sizes),
    });
    const m = await port.matrix(points);
    const ref = await greatCircleMatrix().matrix(points);
    expect(Array.from(m.distances as Float64Array)).toEqual(Array.from(ref.distances as Int32Array));
    expect(Array.from(m.durations as Float64Array)).toEqual(Array.from(ref.durations as Int32Array));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
    expect(sizes.length).toBe(25); // 5 × 5 blocks of ≤ 5 sources × 5 destinations
  });

  it('marks routes OSRM cannot find as unreachable (negative)', async () => {
    const sizes: number[] = [];
    const port = osrmMatrix({ baseUrl: 'http://osrm.test', fetch: fakeOsrm(points, sizes, [2, 7]) });
    const m = await port.matrix(points);
    expect(sizes).toEqual([23]);
    expect((m.distances as Float64Array)[2 * 23 + 7]).toBe(-1);
  });

  it('fails loudly on an OSRM error', async () => {
    const port = osrmMatrix({
      baseUrl: 'http://osrm.test',
      fetch: (async () =>
        new Response(JSON.stringify({ code: 'TooBig', message: 'too many' }))) as typeof fetch,
    });
    await expect(port.matrix(points)).rejects.toThrow(/TooBig/);
  });
});
