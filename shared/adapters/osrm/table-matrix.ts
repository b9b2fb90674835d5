import { type GeoPoint, type MatrixPort, type MatrixResult, runLimited } from '../../solver';

export interface OsrmMatrixOptions {
  /** Base URL of an OSRM-compatible server, e.g. `http://localhost:5000`. */
  baseUrl: string;
  /** Routing profile (default `driving`). */
  profile?: string;
  /**
   * Coordinates per table request (OSRM `--max-table-size`, default 100). OSRM's table plugin
   * rejects sources × destinations > max-table-size² ("TooBig"); keeping the coordinates of a
   * request (sources ∪ destinations) within the limit satisfies that and keeps URLs short.
   */
  maxLocations?: number;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Injected fetch (default: global fetch). */
  fetch?: typeof fetch;
  /** Per-request timeout in ms (default 30 s). */
  timeoutMs?: number;
}

interface OsrmTableResponse {
  code: string;
  message?: string;
  durations?: (number | null)[][];
  distances?: (number | null)[][];
}

/**
 * Matrix port over the OSRM `table` service (`/table/v1/{profile}/{lon,lat;...}` with
 * `annotations=duration,distance`). Larger matrices are split into source × destination blocks
 * so that no request exceeds `maxLocations` coordinates. Metres and seconds; `null` entries
 * (no route) become unreachable (-1). `block(origins, destinations)` answers a rectangle the same
 * way (used by `cachedMatrix` to ask only for new rows and columns).
 */
export function osrmMatrix(opts: OsrmMatrixOptions): MatrixPort {
  const profile = opts.profile ?? 'driving';
  const maxLoc = Math.max(2, opts.maxLocations ?? 100);
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const doFetch = opts.fetch ?? globalThis.fetch;
  const base = opts.baseUrl.replace(/\/+$/, '');

  /** One table request over `coords`; calls `put(a, b, duration, distance)` per source/destination. */
  const table = async (
    coords: GeoPoint[],
    sources: number[],
    destinations: number[],
    put: (a: number, b: number, duration: number, distance: number) => void,
  ): Promise<void> => {
    const path = coords.map((p) => `${p.lon.toFixed(6)},${p.lat.toFixed(6)}`).join(';');
    const url =
      `${base}/table/v1/${profile}/${path}?annotations=duration,distance` +
      `&sources=${sources.join(';')}&destinations=${destinations.join(';')}`;
    const res = await doFetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000) });
    const text = await res.text();
    let body: OsrmTableResponse | undefined;
    try {
      body = JSON.parse(text) as OsrmTableResponse;
    } catch {
      body = undefined;
    }
    // OSRM answers its errors (TooBig, NoSegment, InvalidOptions …) with HTTP 400 and a code
    if (!res.ok || body?.code !== 'Ok' || !body.durations || !body.distances) {
      const reason = body?.code
        ? `${body.code}${body.message ? ` ${body.message}` : ''}`
        : text.slice(0, 200);
      throw new Error(`OSRM table: HTTP ${res.status} ${reason}`.trim());
    }
    sources.forEach((_, a) => {
      destinations.forEach((_, b) => {
        const t = body.durations![a]?.[b];
        const d = body.distances![a]?.[b];
        put(a, b, t === null || t === undefined ? -1 : t, d === null || d === undefined ? -1 : d);
      });
    });
  };

  return {
    async matrix(points: GeoPoint[]): Promise<MatrixResult> {
      const n = points.length;
      const distances = new Float64Array(n * n);
      const durations = new Float64Array(n * n);
      const block = n <= maxLoc ? n : Math.floor(maxLoc / 2);
      const jobs: (() => Promise<void>)[] = [];
      for (let s = 0; s < n; s += block) {
        for (let d = 0; d < n; d += block) {
          const src = range(s, Math.min(n, s + block));
          const dst = range(d, Math.min(n, d + block));
          // coordinates: the union of sources and destinations, each once
          const ids = [...new Set([...src, ...dst])];
          const pos = new Map(ids.map((id, k) => [id, k]));
          jobs.push(() =>
            table(
              ids.map((i) => points[i]!),
              src.map((i) => pos.get(i)!),
              dst.map((j) => pos.get(j)!),
              (a, b, t, dist) => {
                durations[src[a]! * n + dst[b]!] = t;
                distances[src[a]! * n + dst[b]!] = dist;
              },
            ),
          );
          if (n <= maxLoc) break;
        }
        if (n <= maxLoc) break;
      }
      await runLimited(jobs, concurrency);
      return { distances, durations };
    },

    async block(origins: GeoPoint[], destinations: GeoPoint[]): Promise<MatrixResult> {
      const m = origins.length;
      const n = destinations.length;
      const distances = new Float64Array(m * n);
      const durations = new Float64Array(m * n);
      // o origins + d destinations per request, o + d <= maxLoc, fewest requests
      let o = Math.min(m, Math.floor(maxLoc / 2));
      let d = Math.min(n, maxLoc - o);
      o = Math.min(m, maxLoc - d);
      d = Math.min(n, maxLoc - o);
      const jobs: (() => Promise<void>)[] = [];
      for (let s = 0; s < m; s += o) {
        for (let t = 0; t < n; t += d) {
          const src = range(s, Math.min(m, s + o));
          const dst = range(t, Math.min(n, t + d));
          jobs.push(() =>
            table(
              [...src.map((i) => origins[i]!), ...dst.map((j) => destinations[j]!)],
              src.map((_, k) => k),
              dst.map((_, k) => src.length + k),
              (a, b, time, dist) => {
                durations[src[a]! * n + dst[b]!] = time;
                distances[src[a]! * n + dst[b]!] = dist;
              },
            ),
          );
        }
      }
      await runLimited(jobs, concurrency);
      return { distances, durations };
    },
  };
}

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = a; i < b; i++) out.push(i);
  return out;
}
