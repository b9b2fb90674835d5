/**
 * npm run bench:plan-growth -- [--full] [--stops N] [--window N] [--budget-s N] [--scratch-s N] ...
 *
 * Issue 10 §6: a region-day plan growing to N stops (default 1,000; `--full`: 5,000) in windows of
 * 100, each window re-planned the way `replanDay` does it (warm start from the current routes, the
 * neighbourhood of the new shipments only: shared/domain/batching/neighbourhood.ts), in-thread on
 * one core. Measures the seconds per re-optimization and, in the same run, a whole-plan re-plan at
 * some sizes (the baseline the neighbourhood replaces), then compares the final plan with a
 * from-scratch optimization of the final set. Modes: `fixed` keeps the shipments already planned on
 * their vehicle and in their order, `free` lets the search move them within the neighbourhood
 * (`--move-penalty` per moved shipment, default 0), `norotation` re-plans with replanDay's options
 * (move penalty, carried shipments kept) but one search, `production` as replanDay does now (with
 * rotation slices). `--clock cpu` reads budgets and seconds in CPU time. Writes the "Plan growth"
 * section of docs/benchmarks.md.
 */
import { execSync } from 'node:child_process';
import { loadavg } from 'node:os';
import {
  DEFAULT_NEIGHBOURHOOD,
  DEFAULT_ROTATION,
  type NeighbourhoodProblem,
  replanNeighbourhood,
} from '../../shared/domain/batching/neighbourhood';
import { argumentsOrExit, numberOption, parseCli } from '../../shared/runtime/cli';
import { FleetConfig } from '../../shared/schemas/batching';
import { planRoutes, type RoutingInput, type RoutingPlan, type SolveOptions } from '../../shared/solver';
import { cityFleet, cityShipments } from '../fixtures/plans/sector-plan';
import { cpuClock } from './cpu-clock';
import { progress } from './progress';
import { machine, now, writeSection } from './solver-doc';

/** The product's re-plan defaults (FLEET_CONFIG with nothing set). */
const PRODUCT_REPLAN = FleetConfig.parse({}).replan;

const USAGE = `usage: npm run bench:plan-growth -- [--full] [--stops N] [--window N] [--budget-s N] [--stall-iterations N] [--scratch-s N] [--baseline-every N] [--modes fixed,free,production] [--move-penalty N] [--rotation-slices N] [--first-share X] [--max-stops N] [--rotation-stops N] [--clock wall|cpu] [--seed N] [--doc FILE]

  --full                 5,000 stops, from-scratch run of 600 s (the issue's figures)
  --stops N              final plan size (default 1000)
  --window N             shipments per window (default 100)
  --budget-s N           batch budget per re-plan, s (default 30, the production default)
  --stall-iterations N   a re-plan stops after N iterations without improvement (default 20000, production)
  --scratch-s N          budget of the from-scratch run on the final set, s (default 120; --full 600)
  --baseline-every N     whole-plan re-plan every N windows and at the last (default 5; 0 = never)
  --modes LIST           comma-separated (default fixed,free,production): fixed (planned shipments never
                         move), free (moves allowed, --move-penalty, no rotation), production (what
                         replanDay does: move penalty, carried shipments kept, rotation slices),
                         norotation (production without rotation: replanDay before it)
  --move-penalty N       cost units per shipment moved off its vehicle (default: free 0, production the
                         FLEET_CONFIG default ${PRODUCT_REPLAN.movePenalty})
  --rotation-slices N    production: rotation searches per re-plan after the new shipments' one
                         (default ${DEFAULT_ROTATION.slices}; 0 = no rotation, production before it)
  --first-share X        production: budget share of the new shipments' search (default ${DEFAULT_ROTATION.firstShare})
  --clock KIND           wall (default) or cpu: budgets and seconds in this process's CPU time, for a
                         loaded shared machine (in-thread searches only, as here)
  --max-stops N          neighbourhood bound (default ${DEFAULT_NEIGHBOURHOOD.maxStops})
  --rotation-stops N     production: stops a rotation slice may hold (default: the FLEET_CONFIG default, ${PRODUCT_REPLAN.rotationSliceStops})
  --seed N               seed of the generated day (default 11)
  --doc FILE             where the section goes (default docs/benchmarks.md; - = print only)`;

const opts = argumentsOrExit('npm run bench:plan-growth --', () => {
  const { values } = parseCli({
    usage: USAGE,
    options: {
      full: { type: 'boolean', default: false },
      stops: { type: 'string' },
      window: { type: 'string', default: '100' },
      'budget-s': { type: 'string', default: '30' },
      'stall-iterations': { type: 'string', default: '20000' },
      'scratch-s': { type: 'string' },
      'baseline-every': { type: 'string', default: '5' },
      modes: { type: 'string', default: 'fixed,free,production' },
      'move-penalty': { type: 'string' },
      'rotation-slices': { type: 'string', default: String(DEFAULT_ROTATION.slices) },
      'first-share': { type: 'string', default: String(DEFAULT_ROTATION.firstShare) },
      clock: { type: 'string', default: 'wall' },
      'max-stops': { type: 'string', default: String(DEFAULT_NEIGHBOURHOOD.maxStops) },
      'rotation-stops': { type: 'string', default: String(PRODUCT_REPLAN.rotationSliceStops) },
      seed: { type: 'string', default: '11' },
      doc: { type: 'string', default: 'docs/benchmarks.md' },
    },
  });
  const count = (name: string, text: string, min = 1) => numberOption(name, text, { integer: true, min });
  const positive = (name: string, text: string) => numberOption(name, text, { min: 0, exclusiveMin: true });
  const modes = values.modes.split(',').map((m) => m.trim());
  for (const m of modes)
    if (!['fixed', 'free', 'norotation', 'production'].includes(m))
      throw new Error(`--modes: unknown mode ${m}`);
  if (values.clock !== 'wall' && values.clock !== 'cpu') throw new Error('--clock: wall or cpu');
  const penalty = values['move-penalty'];
  return {
    full: values.full,
    stops: count('--stops', values.stops ?? (values.full ? '5000' : '1000')),
    window: count('--window', values.window),
    budgetMs: positive('--budget-s', values['budget-s']) * 1000,
    stall: count('--stall-iterations', values['stall-iterations']),
    scratchMs: positive('--scratch-s', values['scratch-s'] ?? (values.full ? '600' : '120')) * 1000,
    baselineEvery: count('--baseline-every', values['baseline-every'], 0),
    modes: modes as Mode[],
    movePenalty: penalty === undefined ? undefined : numberOption('--move-penalty', penalty, { min: 0 }),
    rotationSlices: count('--rotation-slices', values['rotation-slices'], 0),
    firstShare: numberOption('--first-share', values['first-share'], { min: 0, max: 1 }),
    clock: values.clock as 'wall' | 'cpu',
    maxStops: count('--max-stops', values['max-stops']),
    rotationStops: count('--rotation-stops', values['rotation-stops']),
    seed: count('--seed', values.seed, 0),
    doc: values.doc,
  };
});

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');

const fleet = cityFleet({
  depots: 4,
  vehiclesPerDepot: Math.max(10, Math.ceil(opts.stops / 120)),
  seed: opts.seed,
});
const all = cityShipments(fleet, opts.stops, opts.seed + 1);
const windows = Math.ceil(opts.stops / opts.window);

type Mode = 'fixed' | 'free' | 'norotation' | 'production';
/** Modes that re-plan the way replanDay does (move penalty, carried shipments kept). */
const asProduction = (mode: Mode) => mode === 'production' || mode === 'norotation';
const PRODUCTION_PENALTY = PRODUCT_REPLAN.movePenalty;
const penaltyOf = (mode: Mode) =>
  mode === 'fixed' ? 0 : (opts.movePenalty ?? (asProduction(mode) ? PRODUCTION_PENALTY : 0));
/** The budgets' clock: wall, or this process's CPU time (--clock cpu). */
const clock = opts.clock === 'cpu' ? cpuClock() : () => performance.now();

interface Step {
  stops: number;
  /** On the budget's clock (wall or CPU). */
  seconds: number;
  wallSeconds: number;
  searched: number;
  /** Rotation searches run and the routes they re-opened. */
  rotations: number;
  rotatedRoutes: number;
  cost: number;
  distanceKm: number;
  vehicles: number;
  unassigned: number;
  moved: number;
}
interface Baseline {
  stops: number;
  neighbourhoodSeconds: number;
  wholeSeconds: number;
  neighbourhoodCost: number;
  wholeCost: number;
}

function warmOf(plan: RoutingPlan | undefined) {
  const initialRoutes: Record<string, string[]> = {};
  const currentVehicles: Record<string, string> = {};
  for (const r of plan?.routes ?? []) {
    initialRoutes[r.vehicleId] = r.stops.map((s) => s.shipmentId);
    for (const s of r.stops) currentVehicles[s.shipmentId] = r.vehicleId;
  }
  return { initialRoutes, currentVehicles };
}

function solveOptions(
  mode: Mode,
  part: Omit<NeighbourhoodProblem, 'input'>,
  current: Record<string, string>,
): SolveOptions {
  const penalty = penaltyOf(mode);
  return {
    timeLimitMs: part.timeLimitMs ?? opts.budgetMs,
    maxIterationsWithoutImprovement: opts.stall,
    seed: 1,
    inThread: true,
    clock,
    initialRoutes: part.initialRoutes,
    ...(mode === 'fixed'
      ? { fixedShipments: part.fixedShipments }
      : penalty > 0
        ? { currentVehicles: current, movePenalty: penalty }
        : {}),
  };
}

/** replanDay's keepCarried: a shipment the SCM has is never traded for a new one. */
const keepCarried = (part: RoutingInput, carried: Record<string, string>): RoutingInput => ({
  ...part,
  shipments: part.shipments.map((s) => (Object.hasOwn(carried, s.id) ? { ...s, mustServe: true } : s)),
});

const tick = progress('plan growth', opts.modes.length * windows + 1);
let done = 0;
const loadAtStart = load();
const results: { mode: Mode; steps: Step[]; baselines: Baseline[]; final: RoutingPlan }[] = [];
for (const mode of opts.modes) {
  let plan: RoutingPlan | undefined;
  const steps: Step[] = [];
  const baselines: Baseline[] = [];
  for (let w = 0; w < windows; w++) {
    const known = all.slice(0, Math.min(opts.stops, (w + 1) * opts.window));
    const input: RoutingInput = { ...fleet, shipments: known };
    const { initialRoutes, currentVehicles } = warmOf(plan);
    // fixed: everything planned stays; the others move (replanDay: fixed only when frozen).
    const fixedShipments = mode === 'fixed' ? Object.values(initialRoutes).flat() : [];
    const started = clock();
    const wallStarted = performance.now();
    const res = await replanNeighbourhood(
      input,
      { routes: plan?.routes ?? [], initialRoutes, fixedShipments, changed: new Set() },
      (part) =>
        planRoutes(
          asProduction(mode) ? keepCarried(part.input, currentVehicles) : part.input,
          solveOptions(mode, part, currentVehicles),
        ),
      { ...DEFAULT_NEIGHBOURHOOD, maxStops: opts.maxStops },
      mode === 'production' && opts.rotationSlices > 0
        ? {
            revision: w + 1,
            budgetMs: opts.budgetMs,
            elapsedMs: () => clock() - started,
            slices: opts.rotationSlices,
            firstShare: opts.firstShare,
            maxStops: opts.rotationStops,
          }
        : undefined,
    );
    const seconds = (clock() - started) / 1000;
    const wallSeconds = (performance.now() - wallStarted) / 1000;
    let moved = 0;
    for (const r of res.plan.routes)
      for (const s of r.stops)
        if (currentVehicles[s.shipmentId] && currentVehicles[s.shipmentId] !== r.vehicleId) moved++;
    steps.push({
      stops: known.length,
      seconds,
      wallSeconds,
      searched: res.searchedStops,
      rotations: res.rotated.length,
      rotatedRoutes: res.rotated.reduce((n, s) => n + s.length, 0),
      cost: res.plan.cost,
      distanceKm: res.plan.distanceMeters / 1000,
      vehicles: res.plan.vehiclesUsed,
      unassigned: res.plan.unassigned.length,
      moved,
    });
    const last = w === windows - 1;
    if (
      opts.baselineEvery > 0 &&
      known.length > opts.maxStops &&
      ((w + 1) % opts.baselineEvery === 0 || last)
    ) {
      // The same re-plan on the whole plan: the baseline the neighbourhood replaces.
      const t0 = clock();
      const whole = await planRoutes(
        asProduction(mode) ? keepCarried(input, currentVehicles) : input,
        solveOptions(mode, { initialRoutes, fixedShipments }, currentVehicles),
      );
      baselines.push({
        stops: known.length,
        neighbourhoodSeconds: seconds,
        wholeSeconds: (clock() - t0) / 1000,
        neighbourhoodCost: res.plan.cost,
        wholeCost: whole.cost,
      });
    }
    plan = res.plan;
    tick.tick(
      ++done,
      `${mode}: ${known.length} stops, ${seconds.toFixed(1)} s ${opts.clock} (${wallSeconds.toFixed(1)} wall; searched ${res.searchedStops}, rotations ${res.rotated.length}), cost ${res.plan.cost.toFixed(0)}, vehicles ${res.plan.vehiclesUsed}, moved ${moved}, load ${load()}`,
    );
  }
  results.push({ mode, steps, baselines, final: plan! });
}

const finalInput: RoutingInput = { ...fleet, shipments: all };
const t0 = clock();
const scratch = await planRoutes(finalInput, {
  timeLimitMs: opts.scratchMs,
  seed: 1,
  inThread: true,
  clock,
  maxIterationsWithoutImprovement: Number.POSITIVE_INFINITY,
});
const scratchSeconds = (clock() - t0) / 1000;
tick.tick(++done, `from scratch: ${scratchSeconds.toFixed(0)} s, load ${load()}`);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
};
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
let rev = 'unknown';
try {
  rev = execSync('git rev-parse --short HEAD').toString().trim();
} catch {
  // not a checkout
}

const lines: string[] = [];
lines.push(
  `Date ${now()}; machine: ${machine()}; load average (1/5/15 min) ${loadAtStart} at the start, ${load()} at the end (a shared machine: the seconds are upper bounds). Commit ${rev}. Reproduce: \`npm run bench:plan-growth${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\`.`,
  '',
  `A region-day plan growing to ${opts.stops} stops in windows of ${opts.window} (generated city, seed ${opts.seed}: 4 depots, ${fleet.vehicles.length} vehicles of 2,000 kg on 10-hour shifts, 30 % of the shipments with a 3-hour window, 3 min service). Each window is re-planned like \`replanDay\`: warm-started from the current routes, only the neighbourhood of the new shipments (at most ${opts.maxStops} stops, 3 candidate routes per shipment; a plan that fits is searched whole), in-thread on one core, batch budget ${opts.budgetMs / 1000} s, stop after ${opts.stall} iterations without improvement (the production defaults). Baseline in the same run: the same re-plan on the whole plan${opts.baselineEvery > 0 ? ` every ${opts.baselineEvery} windows and at the last` : ' (not run)'}. From scratch: one run of ${opts.scratchMs / 1000} s on the final set (in-thread, no stall stop)${opts.full ? '' : " — shorter than the issue's 10 minutes to keep the default run short on a shared machine; `--full` uses 600 s"}.`,
  '',
  `Modes: **fixed** = shipments already planned keep their vehicle and order; **free** = the search may move them inside the neighbourhood${penaltyOf('free') > 0 ? ` at a penalty of ${penaltyOf('free')} per shipment moved off its vehicle` : ' (no move penalty)'}, one search per re-plan; **norotation** = what \`replanDay\` did before rotation: moves cost the move penalty (${penaltyOf('norotation')} per shipment moved off the vehicle the SCM has), planned shipments are never left unassigned for new ones, one search per re-plan; **production** = what \`replanDay\` does now: the same, and a plan larger than the bound also spends the budget left after the new shipments' search (which may take ${opts.firstShare * 100} % of it) on ${opts.rotationSlices} rotation slice(s) of at most ${opts.rotationStops} stops (routes swept by angle around their depot, the slice picked by the plan's revision), each one a search warm-started from the plan so far. Budgets and seconds are ${opts.clock === 'cpu' ? "this process's **CPU time** (`--clock cpu`: the machine is shared; the wall time is given as well)" : 'wall time'}. Costs are the plans' costs (vehicle fixed cost + km + hours), move penalties not included.`,
  '',
  '| mode | re-plans | seconds p50 | p95 | max | wall s max | stops searched max | rotation searches | final cost | final km | vehicles | vs. from scratch (cost) | unassigned | moved (total) |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
);
for (const r of results) {
  const secs = r.steps.map((s) => s.seconds);
  lines.push(
    `| ${r.mode} | ${r.steps.length} | ${f2(pct(secs, 50))} | ${f2(pct(secs, 95))} | ${f2(Math.max(...secs))} | ${f2(Math.max(...r.steps.map((s) => s.wallSeconds)))} | ${Math.max(...r.steps.map((s) => s.searched))} | ${r.steps.reduce((a, s) => a + s.rotations, 0)} | ${f1(r.final.cost)} | ${f1(r.final.distanceMeters / 1000)} | ${r.final.vehiclesUsed} | ${f2((r.final.cost / scratch.cost - 1) * 100)} % | ${r.final.unassigned.length} | ${r.steps.reduce((a, s) => a + s.moved, 0)} |`,
  );
}
lines.push(
  `| from scratch | 1 | ${f1(scratchSeconds)} | – | – | – | ${opts.stops} | – | ${f1(scratch.cost)} | ${f1(scratch.distanceMeters / 1000)} | ${scratch.vehiclesUsed} | – | ${scratch.unassigned.length} | – |`,
  '',
);
if (results.some((r) => r.baselines.length > 0)) {
  lines.push(
    '| mode | plan stops | neighbourhood s | whole plan s | whole / neighbourhood | neighbourhood cost | whole-plan cost |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const r of results)
    for (const b of r.baselines)
      lines.push(
        `| ${r.mode} | ${b.stops} | ${f2(b.neighbourhoodSeconds)} | ${f2(b.wholeSeconds)} | ${f1(b.wholeSeconds / b.neighbourhoodSeconds)}× | ${f1(b.neighbourhoodCost)} | ${f1(b.wholeCost)} |`,
      );
  lines.push('');
}
lines.push('Seconds per re-plan and plan cost as the plan grows (every window):', '');
lines.push(`| stops | ${results.map((r) => `${r.mode} s | ${r.mode} cost`).join(' | ')} |`);
lines.push(`| --- | ${results.map(() => '--- | ---').join(' | ')} |`);
for (let w = 0; w < windows; w++) {
  const stops = results[0]?.steps[w]?.stops ?? 0;
  lines.push(
    `| ${stops} | ${results.map((r) => `${f2(r.steps[w]?.seconds ?? Number.NaN)} | ${f1(r.steps[w]?.cost ?? Number.NaN)}`).join(' | ')} |`,
  );
}
const body = lines.join('\n');
const title = `## Plan growth: ${opts.stops} stops in windows of ${opts.window}`;
if (opts.doc === '-') process.stdout.write(`${title}\n\n${body}\n`);
else {
  writeSection(opts.doc, title, body);
  process.stdout.write(`${title}\n\n${body}\n\nwritten to ${opts.doc}\n`);
}
