import { readBlock } from './matrix-blocks';
import type { GeoPoint, MatrixPort, MatrixResult } from './types';

export interface CachedMatrixOptions {
  /**
   * Points remembered; the least recently used point (its row and column) goes first. Memory is
   * 2 × 4 bytes × maxPoints² when full: 32 MB at the default 2,000. 0 disables the cache.
   */
  maxPoints?: number;
}

/** Cache statistics, for tests and logs. */
export interface MatrixCacheStats {
  /** Points held now. */
  points: number;
  /** Ordered pairs answered from the cache / asked of the port, over all calls. */
  pairsFromCache: number;
  pairsRequested: number;
  evictions: number;
}

/** Coordinates rounded to 1e-6° (≈ 0.1 m): points closer than that are the same point. */
const keyOf = (p: GeoPoint): string => `${Math.round(p.lat * 1e6)},${Math.round(p.lon * 1e6)}`;

const INITIAL_CAPACITY = 64;

/**
 * Remembers distances and durations per pair of points, so that a repeated matrix (the URGENT
 * path re-plans the region's candidate routes for every insertion, the batch optimizer asks twice
 * per window) asks the port only for the rows and columns of points it has not seen: with
 * `port.block` one |new| × |all| and one |known| × |new| request, else the square matrix.
 *
 * Values are kept as float32 (exact for integers below 16.7 million metres or seconds);
 * unreachable pairs are remembered as -1. A failed request leaves nothing behind. Calls with more
 * distinct points than `maxPoints` go to the port uncached.
 */
export function cachedMatrix(
  port: MatrixPort,
  options: CachedMatrixOptions = {},
): MatrixPort & { stats(): MatrixCacheStats } {
  const maxPoints = Math.max(0, Math.floor(options.maxPoints ?? 2000));
  const store = new PairStore(maxPoints);
  return {
    stats: () => store.stats(),
    async matrix(points: GeoPoint[]): Promise<MatrixResult> {
      const n = points.length;
      // distinct points of this call, in first-seen order
      const unique: GeoPoint[] = [];
      const uniqueKeys: string[] = [];
      const position = new Map<string, number>();
      const of = new Int32Array(n);
      points.forEach((p, i) => {
        const key = keyOf(p);
        let u = position.get(key);
        if (u === undefined) {
          u = unique.length;
          position.set(key, u);
          unique.push(p);
          uniqueKeys.push(key);
        }
        of[i] = u;
      });
      if (unique.length <= 1)
        return { distances: new Float64Array(n * n), durations: new Float64Array(n * n) };
      const acquired = store.acquire(uniqueKeys);
      if (!acquired) return port.matrix(points);
      try {
        await store.fill(port, acquired, unique);
        return store.assemble(acquired.slots, of);
      } catch (error) {
        store.forget(acquired);
        throw error;
      } finally {
        store.release(acquired.slots);
      }
    },
  };
}

/**
 * Dense pair storage with per-point LRU eviction. Slot s holds one point; row s and column s its
 * values (NaN: not known). Slots in use by a call in flight are pinned and never evicted.
 */
class PairStore {
  private capacity = 0;
  private distance = new Float32Array(0);
  private duration = new Float32Array(0);
  private readonly slotOf = new Map<string, number>();
  private keys: (string | undefined)[] = [];
  private lastUsed: number[] = [];
  private pins: number[] = [];
  private readonly free: number[] = [];
  private tick = 0;
  private counters = { pairsFromCache: 0, pairsRequested: 0, evictions: 0 };

  constructor(private readonly maxPoints: number) {}

  stats(): MatrixCacheStats {
    return { points: this.slotOf.size, ...this.counters };
  }

  /**
   * Slots for the call's distinct points, pinned; `added[u]` marks points new to the cache.
   * Undefined when they cannot all be held at once (too many, or pinned by calls in flight).
   */
  acquire(keys: string[]): { slots: number[]; added: Uint8Array } | undefined {
    if (keys.length > this.maxPoints) return undefined;
    const tick = ++this.tick;
    const slots: number[] = new Array(keys.length);
    const added = new Uint8Array(keys.length);
    keys.forEach((key, u) => {
      const s = this.slotOf.get(key);
      if (s === undefined) added[u] = 1;
      else {
        slots[u] = s;
        this.pins[s]!++;
        this.lastUsed[s] = tick;
      }
    });
    const missing = added.reduce((sum, x) => sum + x, 0);
    if (!this.reserve(missing)) {
      keys.forEach((_, u) => {
        if (!added[u]) this.pins[slots[u]!]!--;
      });
      return undefined;
    }
    keys.forEach((key, u) => {
      if (!added[u]) return;
      const s = this.free.pop()!;
      this.slotOf.set(key, s);
      this.keys[s] = key;
      this.pins[s] = 1;
      this.lastUsed[s] = tick;
      this.distance[s * this.capacity + s] = 0;
      this.duration[s * this.capacity + s] = 0;
      slots[u] = s;
    });
    return { slots, added };
  }

  /** Drops the points a failed call added, unless another call in flight uses them too. */
  forget(acquired: { slots: number[]; added: Uint8Array }): void {
    acquired.slots.forEach((s, u) => {
      if (acquired.added[u] && this.pins[s] === 1) this.clear(s);
    });
  }

  release(slots: number[]): void {
    for (const s of slots) this.pins[s]!--;
  }

  /** Asks the port for every pair of the call's points that is not known yet. */
  async fill(
    port: MatrixPort,
    acquired: { slots: number[]; added: Uint8Array },
    points: GeoPoint[],
  ): Promise<void> {
    const { slots } = acquired;
    const C = this.capacity;
    const u = slots.length;
    // New points are asked for in full. So is a known point with an unknown pair among the known
    // ones (the two were never in one call, or a partner was evicted and came back).
    const fresh = Uint8Array.from(acquired.added);
    for (let a = 0; a < u; a++) {
      if (fresh[a]) continue;
      for (let b = 0; b < u; b++) {
        if (a === b || fresh[b]) continue;
        if (Number.isNaN(this.distance[slots[a]! * C + slots[b]!]!)) {
          fresh[a] = 1;
          break;
        }
      }
    }
    const newIdx: number[] = [];
    const oldIdx: number[] = [];
    for (let a = 0; a < u; a++) (fresh[a] ? newIdx : oldIdx).push(a);
    this.counters.pairsFromCache += oldIdx.length * (oldIdx.length - 1);
    if (newIdx.length === 0) return;

    const all = Array.from({ length: u }, (_, a) => a);
    if (!port.block) {
      this.counters.pairsRequested += u * u;
      this.store(await port.matrix(points), all, all, slots);
      return;
    }
    const pick = (idx: number[]) => idx.map((a) => points[a]!);
    this.counters.pairsRequested += newIdx.length * u + oldIdx.length * newIdx.length;
    const [rows, cols] = await Promise.all([
      port.block(pick(newIdx), points),
      oldIdx.length > 0 ? port.block(pick(oldIdx), pick(newIdx)) : undefined,
    ]);
    this.store(rows, newIdx, all, slots);
    if (cols) this.store(cols, oldIdx, newIdx, slots);
  }

  /** The call's n × n matrices (`of[i]`: distinct point of input point i). */
  assemble(slots: number[], of: Int32Array): MatrixResult {
    const n = of.length;
    const C = this.capacity;
    const distances = new Float64Array(n * n);
    const durations = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      const si = slots[of[i]!]!;
      for (let j = 0; j < n; j++) {
        const k = si * C + slots[of[j]!]!;
        distances[i * n + j] = this.distance[k]!;
        durations[i * n + j] = this.duration[k]!;
      }
    }
    return { distances, durations };
  }

  private store(res: MatrixResult, rowIdx: number[], colIdx: number[], slots: number[]): void {
    const dist = readBlock(res.distances, rowIdx.length, colIdx.length, 'distance');
    const dur = readBlock(res.durations, rowIdx.length, colIdx.length, 'duration');
    const C = this.capacity;
    rowIdx.forEach((a, r) => {
      const sa = slots[a]!;
      colIdx.forEach((b, c) => {
        const sb = slots[b]!;
        if (sa === sb) return;
        const d = dist[r * colIdx.length + c]!;
        const t = dur[r * colIdx.length + c]!;
        // a pair is unreachable when either value says so
        const unreachable = d < 0 || t < 0;
        this.distance[sa * C + sb] = unreachable ? -1 : d;
        this.duration[sa * C + sb] = unreachable ? -1 : t;
      });
    });
  }

  /** Makes `k` slots free: grows the arrays up to maxPoints, then evicts unpinned LRU points. */
  private reserve(k: number): boolean {
    if (this.free.length >= k) return true;
    const used = this.slotOf.size;
    if (this.capacity < this.maxPoints && used + k > this.capacity) {
      this.grow(Math.min(this.maxPoints, Math.max(INITIAL_CAPACITY, 2 * this.capacity, used + k)));
    }
    if (this.free.length >= k) return true;
    const victims = [...this.slotOf.values()]
      .filter((s) => this.pins[s] === 0)
      .sort((a, b) => this.lastUsed[a]! - this.lastUsed[b]!)
      .slice(0, k - this.free.length);
    if (this.free.length + victims.length < k) return false;
    for (const s of victims) this.evict(s);
    return true;
  }

  private evict(s: number): void {
    this.clear(s);
    this.counters.evictions++;
  }

  /** Frees slot s: its key, row and column. */
  private clear(s: number): void {
    const C = this.capacity;
    this.slotOf.delete(this.keys[s]!);
    this.keys[s] = undefined;
    this.distance.fill(Number.NaN, s * C, (s + 1) * C);
    this.duration.fill(Number.NaN, s * C, (s + 1) * C);
    for (let r = 0; r < C; r++) {
      this.distance[r * C + s] = Number.NaN;
      this.duration[r * C + s] = Number.NaN;
    }
    this.free.push(s);
  }

  private grow(capacity: number): void {
    const old = this.capacity;
    const distance = new Float32Array(capacity * capacity).fill(Number.NaN);
    const duration = new Float32Array(capacity * capacity).fill(Number.NaN);
    for (let r = 0; r < old; r++) {
      distance.set(this.distance.subarray(r * old, (r + 1) * old), r * capacity);
      duration.set(this.duration.subarray(r * old, (r + 1) * old), r * capacity);
    }
    this.distance = distance;
    this.duration = duration;
    for (let s = capacity - 1; s >= old; s--) {
      this.free.push(s);
      this.keys[s] = undefined;
      this.pins[s] = 0;
      this.lastUsed[s] = 0;
    }
    this.capacity = capacity;
  }
}
