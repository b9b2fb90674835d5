/**
 * Bump allocation of the small typed arrays a route is made of. Every typed array over 64 bytes
 * gets its own off-heap backing store, which costs about as much as building the whole route
 * (ADR 0010: 2.7 µs for the three arrays of a 30-client route, 0.26 µs as views into a shared
 * buffer). Routes are immutable, so memory is never handed out twice: a slab is simply dropped when
 * full, and the garbage collector frees it once no route viewing it is alive. Larger arrays get a
 * buffer of their own, so a slab is pinned by at most a few small routes.
 */
const SLAB_BYTES = 32 * 1024;
const OWN_BUFFER_BYTES = 8 * 1024;

let slab = new ArrayBuffer(SLAB_BYTES);
let used = 0;

function take(bytes: number): number {
  if (used + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    used = 0;
  }
  const at = used;
  used += (bytes + 7) & ~7;
  return at;
}

/** A zero-filled Float64Array of length n. */
export function float64s(n: number): Float64Array {
  const bytes = 8 * n;
  if (bytes > OWN_BUFFER_BYTES) return new Float64Array(n);
  const at = take(bytes);
  return new Float64Array(slab, at, n);
}

/** A zero-filled Int32Array of length n. */
export function int32s(n: number): Int32Array {
  const bytes = 4 * n;
  if (bytes > OWN_BUFFER_BYTES) return new Int32Array(n);
  const at = take(bytes);
  return new Int32Array(slab, at, n);
}
