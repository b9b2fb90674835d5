import type { GeoPoint, MatrixPort, MatrixResult, MatrixValues } from './types';

/** Marker for unreachable pairs in the internal integer matrices (≈ 1e9 m / s). */
export const UNREACHABLE = 1 << 30;

const EARTH_RADIUS_M = 6_371_008.8;

/**
 * Default matrix: great-circle (haversine) distance × road factor, driven at a constant speed.
 * Distances in metres, durations in seconds, both rounded to integers.
 */
export function greatCircleMatrix(opts: { roadFactor?: number; speedKmh?: number } = {}): MatrixPort {
  const factor = opts.roadFactor ?? 1.3;
  const speed = (opts.speedKmh ?? 50) / 3.6; // m/s
  return {
    async matrix(points: GeoPoint[]): Promise<MatrixResult> {
      return greatCircleMatrixSync(points, factor, speed);
    },
  };
}

export function greatCircleMatrixSync(points: GeoPoint[], factor = 1.3, speedMs = 50 / 3.6): MatrixResult {
  const n = points.length;
  const distances = new Int32Array(n * n);
  const durations = new Int32Array(n * n);
  const lat = points.map((p) => (p.lat * Math.PI) / 180);
  const lon = points.map((p) => (p.lon * Math.PI) / 180);
  const cosLat = lat.map(Math.cos);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const s1 = Math.sin((lat[j]! - lat[i]!) / 2);
      const s2 = Math.sin((lon[j]! - lon[i]!) / 2);
      const h = s1 * s1 + cosLat[i]! * cosLat[j]! * s2 * s2;
      const d = 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h))) * factor;
      const di = Math.round(d);
      const ti = Math.round(d / speedMs);
      distances[i * n + j] = di;
      distances[j * n + i] = di;
      durations[i * n + j] = ti;
      durations[j * n + i] = ti;
    }
  }
  return { distances, durations };
}

/** Normalises any accepted matrix shape to a row-major Int32Array; unreachable → UNREACHABLE. */
export function toInt32Matrix(values: MatrixValues, n: number, what: string): Int32Array {
  const out = new Int32Array(n * n);
  const nested =
    n > 0 &&
    typeof (values as ArrayLike<unknown>)[0] === 'object' &&
    (values as ArrayLike<unknown>)[0] !== null;
  if (!nested && (values as ArrayLike<unknown>).length !== n * n) {
    throw new Error(
      `${what} matrix: expected ${n * n} entries for ${n} points, got ${(values as ArrayLike<unknown>).length}`,
    );
  }
  for (let i = 0; i < n; i++) {
    const row = nested ? (values as ArrayLike<ArrayLike<number | null>>)[i] : undefined;
    if (nested && (!row || row.length < n))
      throw new Error(`${what} matrix: row ${i} has fewer than ${n} entries`);
    for (let j = 0; j < n; j++) {
      const x = nested ? row![j] : (values as ArrayLike<number | null>)[i * n + j];
      if (i === j) continue;
      out[i * n + j] =
        x === null || x === undefined || !Number.isFinite(x) || x < 0
          ? UNREACHABLE
          : Math.min(UNREACHABLE, Math.round(x));
    }
  }
  return out;
}
