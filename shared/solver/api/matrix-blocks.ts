import type { MatrixValues } from './types';

/** What one provider request may hold: origins, destinations and origins × destinations. */
export interface BlockLimits {
  maxOrigins: number;
  maxDestinations: number;
  maxCells: number;
}

/** One request of a split matrix: origins [o0, o1) × destinations [d0, d1). */
export interface BlockRange {
  o0: number;
  o1: number;
  d0: number;
  d1: number;
}

/**
 * Splits an m × n matrix into the fewest blocks that respect `limits` (ties: the larger block),
 * with chunks of nearly equal size, so that 501 origins at a limit of 500 become 251 + 250.
 */
export function planBlocks(m: number, n: number, limits: BlockLimits): BlockRange[] {
  if (m === 0 || n === 0) return [];
  const maxO = Math.max(1, Math.floor(limits.maxOrigins));
  const maxD = Math.max(1, Math.floor(limits.maxDestinations));
  const maxCells = Math.max(1, Math.floor(limits.maxCells));
  let best: { o: number; d: number; count: number } | undefined;
  for (let o = 1; o <= Math.min(m, maxO); o++) {
    const d = Math.min(n, maxD, Math.floor(maxCells / o));
    if (d < 1) break;
    const count = Math.ceil(m / o) * Math.ceil(n / d);
    if (!best || count < best.count || (count === best.count && o * d > best.o * best.d)) {
      best = { o, d, count };
    }
  }
  const rows = chunks(m, Math.ceil(m / best!.o));
  const cols = chunks(n, Math.ceil(n / best!.d));
  return rows.flatMap(([o0, o1]) => cols.map(([d0, d1]) => ({ o0, o1, d0, d1 })));
}

function chunks(total: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  for (let k = 0; k < parts; k++) {
    out.push([Math.floor((k * total) / parts), Math.floor(((k + 1) * total) / parts)]);
  }
  return out;
}

/**
 * Reads a rows × cols answer (flat row-major or nested rows) into a row-major Float64Array in
 * which every unreachable entry (negative, null, missing or non-finite) is -1. Throws when the
 * answer has the wrong shape, so that a broken provider is noticed instead of planned with.
 */
export function readBlock(values: MatrixValues, rows: number, cols: number, what: string): Float64Array {
  const out = new Float64Array(rows * cols);
  const list = values as ArrayLike<unknown>;
  const nested = list.length > 0 && typeof list[0] === 'object' && list[0] !== null;
  if (nested ? list.length !== rows : list.length !== rows * cols) {
    throw new Error(
      `${what} block: expected ${rows} × ${cols} entries, got ${list.length}${nested ? ' rows' : ' entries'}`,
    );
  }
  for (let r = 0; r < rows; r++) {
    const row = nested ? (list[r] as ArrayLike<number | null> | undefined) : undefined;
    if (nested && (!row || row.length !== cols)) {
      throw new Error(`${what} block: row ${r} has ${row?.length ?? 0} entries, expected ${cols}`);
    }
    for (let c = 0; c < cols; c++) {
      const x = nested ? row![c] : (list[r * cols + c] as number | null | undefined);
      out[r * cols + c] = x === null || x === undefined || !Number.isFinite(x) || x < 0 ? -1 : x;
    }
  }
  return out;
}

/**
 * Runs the tasks with at most `limit` in flight. The first failure rejects the whole run and no
 * further task is started (tasks already in flight finish on their own).
 */
export async function runLimited(tasks: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < tasks.length) {
      const task = tasks[next++]!;
      try {
        await task();
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), tasks.length) }, worker));
}
