/**
 * Time-window segments (Vidal et al. 2013, "A hybrid genetic algorithm with adaptive diversity
 * management for a large class of vehicle routing problems with time-windows"; PyVRP's
 * DurationSegment). A segment summarises a sequence of visits by its minimal duration D, time
 * warp TW, earliest start E and latest start L at its first visit. Two segments concatenate in
 * O(1), which gives constant-time feasibility and duration of any insertion or move.
 *
 * To keep hot loops allocation-free, `merge` writes its result into the module-level registers
 * `outD`, `outTW`, `outE`, `outL`.
 */
export let outD = 0;
export let outTW = 0;
export let outE = 0;
export let outL = 0;

export function merge(
  aD: number,
  aTW: number,
  aE: number,
  aL: number,
  travel: number,
  bD: number,
  bTW: number,
  bE: number,
  bL: number,
): void {
  const delta = aD - aTW + travel;
  const dWT = Math.max(bE - delta - aL, 0);
  const dTW = Math.max(aE + delta - bL, 0);
  outD = aD + bD + travel + dWT;
  outTW = aTW + bTW + dTW;
  outE = Math.max(bE - delta, aE) - dWT;
  outL = Math.min(bL - delta, aL) + dTW;
}
