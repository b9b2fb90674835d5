import type { GeoPoint, MatrixPort, MatrixResult } from './types';

export interface OsrmMatrixOptions {
  /** Base URL of an OSRM-compatible server, e.g. `http://localhost:5000`. */
  baseUrl: string;
  /** Routing profile (default `driving`). */
  profile?: string;
  /** Server limit on coordinates per table request (OSRM `--max-table-size`, default 100). */
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
 * (no route) become unreachable.
 */
export function osrmMatrix(opts: OsrmMatrixOptions): MatrixPort {
  const profile = opts.profile ?? 'driving';
  const maxLoc = Math.max(2, opts.maxLocations ?? 100);
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const doFetch = opts.fetch ?? globalThis.fetch;
  const base = opts.baseUrl.replace(/\/+$/, '');
  return {
    async matrix(points: GeoPoint[]): Promise<MatrixResult> {
      const n = points.length;
      const distances = new Float64Array(n * n);
      const durations = new Float64Array(n * n);
      const block = n <= maxLoc ? n : Math.floor(maxLoc / 2);
      const jobs: { src: number[]; dst: number[] }[] = [];
      for (let s = 0; s < n; s += block) {
        for (let d = 0; d < n; d += block) {
          const src = range(s, Math.min(n, s + block));
          const dst = range(d, Math.min(n, d + block));
          jobs.push({ src, dst });
          if (n <= maxLoc) break;
        }
        if (n <= maxLoc) break;
      }
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < jobs.length) {
          const job = jobs[next++]!;
          await runJob(job.src, job.dst);
        }
      };
      const runJob = async (src: number[], dst: number[]): Promise<void> => {
        // coordinates: the union of sources and destinations, each once
        const ids = [...new Set([...src, ...dst])];
        const pos = new Map(ids.map((id, k) => [id, k]));
        const coords = ids.map((i) => `${points[i]!.lon.toFixed(6)},${points[i]!.lat.toFixed(6)}`).join(';');
        const url =
          `${base}/table/v1/${profile}/${coords}?annotations=duration,distance` +
          `&sources=${src.map((i) => pos.get(i)).join(';')}&destinations=${dst.map((i) => pos.get(i)).join(';')}`;
        const res = await doFetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000) });
        if (!res.ok) throw new Error(`OSRM table: HTTP ${res.status}`);
        const body = (await res.json()) as OsrmTableResponse;
        if (body.code !== 'Ok' || !body.durations || !body.distances) {
          throw new Error(`OSRM table: ${body.code}${body.message ? ` ${body.message}` : ''}`);
        }
        src.forEach((i, a) => {
          dst.forEach((j, b) => {
            const t = body.durations![a]?.[b];
            const d = body.distances![a]?.[b];
            durations[i * n + j] = t === null || t === undefined ? -1 : t;
            distances[i * n + j] = d === null || d === undefined ? -1 : d;
          });
        });
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
      return { distances, durations };
    },
  };
}

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = a; i < b; i++) out.push(i);
  return out;
}
