/**
 * Realistic window: 100 shipments, several depots, time windows, mixed fleet. Reports the cost
 * over time of one anytime run. `npx tsx test/bench/solver-realistic.ts [--time-limit S]`
 */
import { resolve } from 'node:path';
import { planRoutes, soloDistanceMeters } from '../../shared/solver';
import { realisticInput } from '../fixtures/solver/realistic';
import { machine, now, writeSection } from './solver-doc';

function arg(flag: string, dflt: string): string {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
}
const seconds = Number(arg('--time-limit', '60'));
const input = realisticInput({
  shipments: 100,
  depots: 3,
  vehiclesPerDepot: 6,
  seed: 7,
  urgentShare: 0.2,
  twShare: 0.5,
});
const curve: { ms: number; cost: number }[] = [];
const t0 = performance.now();
const plan = await planRoutes(input, {
  timeLimitMs: seconds * 1000,
  seed: 1,
  maxIterationsWithoutImprovement: Number.POSITIVE_INFINITY,
  onProgress: (p) => curve.push({ ms: p.elapsedMs, cost: p.cost }),
});
const wall = (performance.now() - t0) / 1000;
const solo = await soloDistanceMeters(input);
const checkpoints = [0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120].filter((c) => c <= seconds);
const costAt = (s: number): number => {
  let c = Number.NaN;
  for (const p of curve) if (p.ms <= s * 1000) c = p.cost;
  return c;
};
const body = [
  `Date ${now()}; machine: ${machine()}. Instance: \`realisticInput({shipments: 100, depots: 3, vehiclesPerDepot: 6, seed: 7})\` ` +
    '(test/fixtures/solver/realistic.ts): 3 depots, 18 vehicles (3,500 kg / 18 m³ and 1,200 kg / 8 m³, fixed + per-km + per-hour costs), ' +
    `half of the shipments with 2-hour delivery windows, 20 % URGENT. One run of ${seconds} s (worker thread, seed 1), wall ${wall.toFixed(1)} s.`,
  '',
  `Final: cost ${plan.cost.toFixed(2)}, ${plan.vehiclesUsed} vehicles, ${(plan.distanceMeters / 1000).toFixed(1)} km, ` +
    `${(plan.durationSeconds / 3600).toFixed(1)} vehicle-hours, ${plan.unassigned.length} unassigned. ` +
    `Solo distance ${(solo / 1000).toFixed(1)} km → consolidation saves ${(100 * (1 - plan.distanceMeters / solo)).toFixed(1)} % of the distance.`,
  '',
  '| time (s) | best cost (objective incl. penalties) |',
  '| --- | --- |',
  ...checkpoints.map((c) => `| ${c} | ${costAt(c).toFixed(2)} |`),
].join('\n');
console.error(body);
writeSection(resolve('docs/benchmarks.md'), '## Solver: realistic window (100 shipments)', body);
