/**
 * Real-time insertion benchmark: a plan of ~1,000 stops, then many single URGENT insertions at
 * various times of day; reports latency percentiles. `npx tsx test/bench/solver-realtime.ts [--budget MS] [--n N]`
 */
import { resolve } from 'node:path';
import { insertShipment, planRoutes, prewarmSolverWorkers, type ShipmentJobInput } from '../../shared/solver';
import { realisticInput } from '../fixtures/solver/realistic';
import { machine, now, writeSection } from './solver-doc';

function arg(flag: string, dflt: string): string {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
}
const budgets = arg('--budget', '150,50').split(',').map(Number);
const inserts = Number(arg('--n', '300'));
const planSeconds = Number(arg('--plan-time', '20'));

const input = realisticInput({
  shipments: 1000,
  depots: 4,
  vehiclesPerDepot: 30,
  seed: 42,
  urgentShare: 0.2,
});
console.error(`planning ${input.shipments.length} shipments (${planSeconds} s)...`);
const plan = await planRoutes(input, { timeLimitMs: planSeconds * 1000, seed: 1 });
const stops = plan.routes.reduce((a, r) => a + r.stops.length, 0);
console.error(`plan: ${stops} stops on ${plan.vehiclesUsed} routes, ${plan.unassigned.length} unassigned`);

// The product's path (a loaded worker thread, prewarmed at cold start) against the caller's thread.
prewarmSolverWorkers(1);
await planRoutes(realisticInput({ shipments: 5, seed: 1 }), { timeLimitMs: 50, maxIterations: 10, seed: 1 });
const rows: string[] = [];
for (const budget of budgets)
  for (const thread of ['worker', 'caller'] as const) {
    let s = 12345;
    const rnd = (): number => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 4294967296;
    };
    const lat: number[] = [];
    let served = 0;
    const reasons = new Map<string, number>();
    const starts = plan.routes.map((r) => r.start).sort((a, b) => a - b);
    for (let k = 0; k < inserts; k++) {
      const depot = input.depots[Math.floor(rnd() * input.depots.length)]!;
      // now: anywhere from the planning start to the last route start
      const t = Math.round(input.planningStart + rnd() * (starts[starts.length - 1]! - input.planningStart));
      const shipment: ShipmentJobInput = {
        id: `RT-${k}`,
        originDepotId: depot.id,
        destination: {
          lat: depot.location.lat + (rnd() - 0.5) * 0.2,
          lon: depot.location.lon + (rnd() - 0.5) * 0.3,
        },
        weightKg: Math.round(10 + rnd() * 150),
        volumeM3: 0.3,
        serviceSeconds: 300,
        mustServe: true,
      };
      const t0 = performance.now();
      const res = await insertShipment({ plan, input, now: t }, shipment, budget, {
        inThread: thread === 'caller',
      });
      lat.push(performance.now() - t0);
      if (res.routeVehicleId) served++;
      else reasons.set(res.unassignedReason ?? '?', (reasons.get(res.unassignedReason ?? '?') ?? 0) + 1);
    }

    lat.sort((a, b) => a - b);
    const pct = (q: number): number => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))]!;
    rows.push(
      `| ${budget} | ${thread} | ${pct(0.5).toFixed(1)} | ${pct(0.9).toFixed(1)} | ${pct(0.99).toFixed(1)} | ${lat[lat.length - 1]!.toFixed(1)} | ${served}/${inserts} | ${[...reasons].map(([r, c]) => `${r}: ${c}`).join(', ') || '-'} |`,
    );
  }
const body = [
  `Date ${now()}; machine: ${machine()}. Plan: ${input.shipments.length} shipments, 4 depots, ${input.vehicles.length} vehicles, ` +
    `${stops} planned stops on ${plan.vehiclesUsed} routes (planned for ${planSeconds} s in a worker). ` +
    `${inserts} single URGENT insertions, each into the original plan at a random "now" between planning start and the last route start; budgets as listed (cheapest insertion then ruin-and-recreate repair until 75 % of the budget), each on the product's path (a loaded solver worker thread, stopping by a wall-clock deadline) and on the caller's thread (\`inThread\`), one after the other.`,
  '',
  '| budget ms | thread | p50 ms | p90 ms | p99 ms | max ms | inserted | unassigned (reasons) |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows,
  '',
  'Unassigned answers are expected late in the day: a shipment is loaded at its origin depot, so only vehicles that have not left it yet (or idle ones) can take it (ADR 0002).',
].join('\n');
console.error(body);
writeSection(resolve('docs/benchmarks.md'), '## Solver: real-time insertion (1,000 stops)', body);
