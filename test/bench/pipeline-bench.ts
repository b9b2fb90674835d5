/**
 * npm run bench:pipeline -- [--full] [--budget-ms N] [--day-budget-s N] [--seed N] [--shipments N] ...
 *
 * Issue 10's benchmark: a generated day (2,500 shipments, 3 Swedish regions, peaks of 400/h) with
 * the service dates an SCM sends, through the living plans of contract §3a: one plan per (region,
 * service date), re-optimized by every closing window (10 minutes per region and priority, at most
 * 100 a batch) with the product's own `replanDay` (warm start from the current plan, the
 * neighbourhood of the new shipments, the move penalty, the batch budget and stall, the frozen
 * insertion after the dispatch cutoff) on an in-memory plan store; URGENT shipments inserted into
 * today's plan with the engine's real-time insertion. At the cutoff (20:00 local the day before)
 * tomorrow's plans freeze. Counts per shipment the callbacks contract §3a gives (the same rule as
 * route-changes.ts: `assignmentChanged`), and compares each frozen plan with one whole-day
 * optimization of the same shipments on the same vehicles, and with routing each alone. Writes the
 * "Pipeline" section of docs/benchmarks.md.
 */
import { execSync } from 'node:child_process';
import { loadavg } from 'node:os';
import type { BatchingDeps } from '../../shared/domain/batching/batching-deps';
import { replanDay } from '../../shared/domain/batching/day-plan';
import { toJob, vehiclesFor } from '../../shared/domain/batching/fleet';
import type { BatchStore } from '../../shared/domain/batching/ports';
import {
  type AssignmentKey,
  assignmentChanged,
  callbacksHeld,
  etaUpdatesHeld,
} from '../../shared/domain/batching/route-changes';
import { economyMaySpill } from '../../shared/domain/batching/unplanned';
import {
  calendarOf,
  dispatchCutoffOf,
  nextWorkingDay,
  serviceDateFor,
  timeWindowErrors,
} from '../../shared/domain/calendar';
import type { Clock } from '../../shared/domain/clock';
import { derivePriority } from '../../shared/domain/priority';
import { argumentsOrExit, numberOption, parseCli, UsageError } from '../../shared/runtime/cli';
import { type BatchingSettings, FleetConfig, type RegionPlan } from '../../shared/schemas/batching';
import { Environment } from '../../shared/schemas/environment';
import { ShipmentBody } from '../../shared/schemas/shipment';
import type { ShipmentState } from '../../shared/schemas/state';
import {
  type DepotInput,
  greatCircleMatrix,
  insertShipment,
  planRoutes,
  type RoutingInput,
  type RoutingPlan,
  type SolveOptions,
  shutdownSolverWorkers,
  soloDistanceMeters,
} from '../../shared/solver';
import { type DistanceGroup, dayDistances, type GroupDistance } from './day-distance';
import { generateServiceDay, type ServiceDayShipment } from './day-generator';
import { etaByRate, progressLine } from './progress';
import { machine, now, writeSection } from './solver-doc';

/** The short default (a few minutes on 2 cores) and --full (the production budgets). */
const PRESETS = {
  short: { 'budget-ms': '500', 'day-budget-s': '15', 'urgent-repair-ms': '50', 'stall-iterations': '2000' },
  full: {
    'budget-ms': '30000',
    'day-budget-s': '60',
    'urgent-repair-ms': '150',
    'stall-iterations': '20000',
  },
} as const;

const TIME_ZONE = 'Europe/Stockholm';

const USAGE = `usage: npm run bench:pipeline -- [--full] [--budget-ms N] [--day-budget-s N] [--urgent-repair-ms N] [--stall-iterations N] [--seed N] [--shipments N] [--vehicles-per-depot N] [--move-penalty N] [--neighbourhood-stops N] [--eta-updates-before-cutoff true|false] [--doc FILE]

Issue 10's benchmark: a generated day with realistic service dates (SAME_DAY URGENT today; NEXT_DAY
mostly with tomorrow's window; ECONOMY the next working day) through the living plans of contract
§3a: every closing window (10 minutes per region and priority, at most 100) re-plans the plan of
each of its service dates with the product's replanDay (warm start, neighbourhood, move penalty);
URGENT shipments are inserted into today's plan in real time; tomorrow's plans freeze at the
dispatch cutoff (20:00 local). Reports the share planned, the distance of the frozen plans against
one whole-day optimization of the same shipments and against routing each alone, the callbacks
per shipment and the solver seconds per window; writes the "Pipeline" section of --doc (default
docs/benchmarks.md). Shows a progress line with an ETA on stderr.

The default is a short form (a few minutes on 2 cores); --full uses the production budgets (30 s
per window, stopping after 20,000 iterations without improvement; 150 ms URGENT insertion; 60 s
per plan for the whole day). Any option below overrides either form.

  --full                   the production budgets instead of the short form
  --budget-ms N            solver budget per window re-plan, ms (short 500, full 30000)
  --day-budget-s N         whole-day optimization budget per plan, s (short 15, full 60)
  --urgent-repair-ms N     URGENT insertion budget, ms (short 50, full 150)
  --stall-iterations N     a re-plan stops after N iterations without improvement (short 2000, full 20000)
  --seed N                 seed of the generated day (default 7)
  --shipments N            shipments in the day (default 2500)
  --vehicles-per-depot N   FLEET_CONFIG defaults.vehiclesPerDepot (default: the product's, 10)
  --move-penalty N         FLEET_CONFIG replan.movePenalty (default: the product's, ${FleetConfig.parse({}).replan.movePenalty})
  --neighbourhood-stops N  FLEET_CONFIG replan.neighbourhoodStops (default: the product's, ${FleetConfig.parse({}).replan.neighbourhoodStops})
  --eta-updates-before-cutoff B
                           FLEET_CONFIG replan.etaUpdatesBeforeCutoff (default: the product's, true)
  --callbacks-before-cutoff B
                           FLEET_CONFIG replan.callbacksBeforeCutoff (default: the product's, true)
  --doc FILE               where the section goes (default docs/benchmarks.md; - = print only)`;

const values = argumentsOrExit('npm run bench:pipeline --', () => {
  const { values } = parseCli({
    usage: USAGE,
    options: {
      full: { type: 'boolean', default: false },
      'budget-ms': { type: 'string' },
      'day-budget-s': { type: 'string' },
      'urgent-repair-ms': { type: 'string' },
      'stall-iterations': { type: 'string' },
      seed: { type: 'string', default: '7' },
      shipments: { type: 'string', default: '2500' },
      'vehicles-per-depot': { type: 'string' },
      'move-penalty': { type: 'string' },
      'neighbourhood-stops': { type: 'string' },
      'eta-updates-before-cutoff': { type: 'string' },
      'callbacks-before-cutoff': { type: 'string' },
      doc: { type: 'string', default: 'docs/benchmarks.md' },
    },
  });
  const preset = values.full ? PRESETS.full : PRESETS.short;
  const pick = (name: keyof typeof preset) => values[name] ?? preset[name];
  const positive = (name: keyof typeof preset) =>
    numberOption(`--${name}`, pick(name), { min: 0, exclusiveMin: true });
  const count = (name: string, text: string) => numberOption(name, text, { integer: true, min: 1 });
  const vehicles = values['vehicles-per-depot'];
  const penalty = values['move-penalty'];
  const etaUpdates = values['eta-updates-before-cutoff'];
  const flag = (name: string, text: string | undefined) => {
    if (text !== undefined && text !== 'true' && text !== 'false')
      throw new UsageError(`--${name} must be true or false, got '${text}'`);
    return text === undefined ? undefined : text === 'true';
  };
  return {
    full: values.full,
    budgetMs: positive('budget-ms'),
    dayBudgetMs: positive('day-budget-s') * 1000,
    repairMs: positive('urgent-repair-ms'),
    stall: count('--stall-iterations', pick('stall-iterations')),
    seed: numberOption('--seed', values.seed, { integer: true, min: 0, max: 2 ** 32 - 1 }),
    shipments: count('--shipments', values.shipments),
    vehiclesPerDepot: vehicles === undefined ? undefined : count('--vehicles-per-depot', vehicles),
    movePenalty: penalty === undefined ? undefined : numberOption('--move-penalty', penalty, { min: 0 }),
    neighbourhoodStops:
      values['neighbourhood-stops'] === undefined
        ? undefined
        : numberOption('--neighbourhood-stops', values['neighbourhood-stops'], {
            integer: true,
            min: 50,
            max: 5000,
          }),
    etaUpdatesBeforeCutoff: flag('eta-updates-before-cutoff', etaUpdates),
    callbacksBeforeCutoff: flag('callbacks-before-cutoff', values['callbacks-before-cutoff']),
    doc: values.doc,
  };
});
const { budgetMs, dayBudgetMs, repairMs, stall } = values;

// The product's configuration: FLEET_CONFIG parsed with the Swedish regions' time zone (the default
// fleet: 10 vehicles per depot, 1,000 kg, the whole local day), and the environment's defaults for
// windows, batch size and the windows a shipment may stay unassigned.
const fleet = FleetConfig.parse({
  calendar: { timeZone: TIME_ZONE },
  ...(values.vehiclesPerDepot !== undefined
    ? { defaults: { vehiclesPerDepot: values.vehiclesPerDepot } }
    : {}),
  replan: {
    ...(values.movePenalty !== undefined ? { movePenalty: values.movePenalty } : {}),
    ...(values.neighbourhoodStops !== undefined ? { neighbourhoodStops: values.neighbourhoodStops } : {}),
    ...(values.etaUpdatesBeforeCutoff !== undefined
      ? { etaUpdatesBeforeCutoff: values.etaUpdatesBeforeCutoff }
      : {}),
    ...(values.callbacksBeforeCutoff !== undefined
      ? { callbacksBeforeCutoff: values.callbacksBeforeCutoff }
      : {}),
  },
});
const env = Environment.parse({
  BATCHING_TABLE: 'bench',
  SHIPMENTS_TABLE: 'bench',
  IDEMPOTENCY_TABLE: 'bench',
  EVENT_BUS_NAME: 'bench',
});
const WINDOW_S = { STANDARD: env.WINDOW_MINUTES_STANDARD * 60, BULK: env.WINDOW_MINUTES_BULK * 60 };
const settings: BatchingSettings = {
  windowMs: { URGENT: 60_000, STANDARD: WINDOW_S.STANDARD * 1000, BULK: WINDOW_S.BULK * 1000 },
  maxBatchSize: env.MAX_BATCH_SIZE,
  batchBudgetMs: budgetMs,
  batchStallIterations: stall,
  urgentBudgetMs: env.URGENT_BUDGET_MS,
  realtimeRepairMs: repairMs,
  urgentDispatchLeadMs: env.URGENT_DISPATCH_LEAD_SECONDS * 1000,
  maxConcurrentPerPriority: env.MAX_CONCURRENT_BATCHES,
  maxUnassignedWindows: env.MAX_UNASSIGNED_WINDOWS,
  stuckWindowMs: 180_000,
  maxWindowResends: 3,
  jobRetryMs: 540_000,
  optimizeLeaseMs: 90_000,
};
const toleranceMs = fleet.replan.etaToleranceMinutes * 60_000;
/** How often the dispatch cutoff runs (cutoff.ts: every 5 minutes). */
const CUTOFF_TICK_S = 300;
// The production estimate: FLEET_CONFIG's road factor and speed (1.3, 40 km/h).
const matrix = greatCircleMatrix({ roadFactor: fleet.roadFactor, speedKmh: fleet.speedKmh });

const day = generateServiceDay(values.seed, values.shipments, TIME_ZONE);
const calendarFor = (region: string) => calendarOf(region, fleet);
const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0) : 0;
};
const km = (m: number) => (m / 1000).toFixed(1);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');

// --- The shipments as the API stores them: the body, the priority and the service date the
//     product derives (derivePriority, serviceDateFor with the region's calendar).
interface Tracked {
  s: ServiceDayShipment;
  state: ShipmentState;
  /** The service date derived when it was received (a spilled ECONOMY one moves on later). */
  derivedDate: string;
  /** The assignment the SCM was last sent (compared with each revision, contract §3a). */
  told?: AssignmentKey & { final: boolean };
  /** The vehicle of the last revision it was on. */
  vehicle?: string;
  cb: {
    optimized: number;
    updatedMoved: number;
    updatedEta: number;
    afterFreeze: number;
    final: number;
    unassigned: number;
  };
  moves: number;
  unassignedWindows: number;
  givenUp?: string;
  spilled: number;
  /** The plan it was first planned into had not frozen yet (it is owed a final callback). */
  beforeCutoff: boolean;
  /** Planned, nothing sent: replan.callbacksBeforeCutoff false (its first callback is the final). */
  held?: boolean;
}

const tracked = new Map<string, Tracked>();
const rejected: string[] = [];
for (const s of day.shipments) {
  const depot = day.regions
    .find((r) => r.region === s.region)
    ?.depots.find((d) => d.id === s.job.originDepotId);
  if (!depot) throw new Error(`no depot ${s.job.originDepotId} in ${s.region}`);
  const body = ShipmentBody.parse({
    shipmentId: s.job.id,
    version: 1,
    region: s.region,
    serviceLevel: s.serviceLevel,
    origin: { depotId: depot.id, lat: depot.location.lat, lon: depot.location.lon },
    destination: { lat: s.job.destination.lat, lon: s.job.destination.lon },
    ...(s.job.timeWindow
      ? { timeWindow: { start: iso(s.job.timeWindow.start), end: iso(s.job.timeWindow.end) } }
      : {}),
    serviceMinutes: s.job.serviceSeconds / 60,
    weightKg: s.job.weightKg,
    ...(s.job.volumeM3 !== undefined ? { volumeM3: s.job.volumeM3 } : {}),
  });
  if (timeWindowErrors(body.timeWindow, s.arrival * 1000, fleet.planningHorizonDays).length > 0) {
    rejected.push(s.job.id); // the API's 400: a window in the past or beyond the horizon
    continue;
  }
  const derivedDate = serviceDateFor(body, s.arrival * 1000, calendarFor(s.region));
  const at = iso(s.arrival);
  const state: ShipmentState = {
    shipmentId: body.shipmentId,
    version: 1,
    status: 'QUEUED',
    priority: derivePriority(body),
    region: s.region,
    serviceDate: derivedDate,
    shipment: body,
    bodyHash: '',
    correlationId: body.shipmentId,
    revision: 1,
    receivedAt: at,
    updatedAt: at,
  };
  tracked.set(body.shipmentId, {
    s,
    state,
    derivedDate,
    cb: { optimized: 0, updatedMoved: 0, updatedEta: 0, afterFreeze: 0, final: 0, unassigned: 0 },
    moves: 0,
    unassignedWindows: 0,
    spilled: 0,
    beforeCutoff: false,
  });
}
const all = [...tracked.values()];

// --- The ports replanDay reads, in memory: the plan store (conditional writes by revision), the
//     service clock (simulated time; wall time for budgets), ids, a logger. The default fleet is
//     not booked (tracksBookings), so bookings are never read.
class MemoryPlans implements BatchStore {
  readonly plans = new Map<string, RegionPlan>();
  private key = (region: string, date: string) => `${region}|${date}`;
  async getRegionPlan(region: string, serviceDate: string) {
    return this.plans.get(this.key(region, serviceDate));
  }
  async putRegionPlan(plan: RegionPlan) {
    const k = this.key(plan.region, plan.serviceDate ?? '');
    if ((this.plans.get(k)?.revision ?? 0) !== plan.revision - 1) return false;
    this.plans.set(k, plan);
    return true;
  }
  async planRegions(serviceDate: string) {
    return [...this.plans.values()].filter((p) => p.serviceDate === serviceDate).map((p) => p.region);
  }
  async getBookings(region: string, serviceDate: string) {
    return { region, serviceDate, revision: 0, vehicles: {} };
  }
  async putBookings() {
    return true;
  }
  private none(): never {
    throw new Error('not used by the bench');
  }
  putBatch = async () => this.none();
  getBatch = async () => this.none();
  listBatches = async () => this.none();
  putRoutes = async () => this.none();
  getRoute = async () => this.none();
}
const plans = new MemoryPlans();
let simSeconds = day.day;
const clock: Clock = { now: () => simSeconds * 1000, wallMs: () => performance.now(), sleep: async () => {} };
let nextId = 0;
const ids = { next: () => `id-${++nextId}` };
const quiet = { info: () => {}, warn: () => {}, error: () => {} };
/** Stops each engine call of a re-plan searched (the neighbourhood, or the whole plan). */
let searched: number[] = [];
const engine: BatchingDeps['engine'] = {
  planRoutes: (input: RoutingInput, options: SolveOptions) => {
    searched.push(input.shipments.length);
    return planRoutes(input, options);
  },
  soloDistanceMeters,
  insertShipment,
};
const ports: Pick<
  BatchingDeps,
  'clock' | 'batches' | 'fleet' | 'settings' | 'engine' | 'matrix' | 'ids' | 'logger'
> = { clock, batches: plans, fleet, settings, engine, matrix, ids, logger: quiet };
// replanDay reads only these ports (the shipment store, queues and bus are optimizeWindow's).
const deps = ports as BatchingDeps;

// --- Callbacks (contract §3a): route_optimized on the first assignment; route_updated when a
//     revision moves it to another vehicle or route or its ETA by more than the tolerance from the
//     assignment last told; one final at the freeze; unassigned when it is given up.
/** Signed minutes of each ETA-only route_updated (later > 0). */
const etaShiftMin: number[] = [];
function tell(
  plan: RoutingPlan,
  routeIds: Record<string, string>,
  frozen: boolean,
  at: { region: string; date: string },
): void {
  // replan.etaUpdatesBeforeCutoff false: an ETA-only change waits for the final (route-changes.ts).
  const etaHeld = etaUpdatesHeld(fleet, at.region, at.date, clock.now());
  // replan.callbacksBeforeCutoff false: nothing is sent before the cutoff; the final is the first.
  const allHeld = !frozen && callbacksHeld(fleet, at.region, at.date, clock.now());
  for (const route of plan.routes) {
    const routeId = routeIds[route.vehicleId] ?? route.vehicleId;
    for (const stop of route.stops) {
      const t = tracked.get(stop.shipmentId);
      if (!t) continue;
      if (t.vehicle !== undefined && t.vehicle !== route.vehicleId) t.moves++;
      t.vehicle = route.vehicleId;
      if (allHeld) {
        if (!t.told) {
          t.held = true;
          t.beforeCutoff = true;
        }
        continue;
      }
      const now = { vehicleId: route.vehicleId, routeId, eta: iso(stop.arrival) };
      if (!t.told) {
        t.cb.optimized++;
        t.told = { ...now, final: frozen }; // inserted into a frozen plan: final at once
        t.beforeCutoff = !frozen;
      } else if (assignmentChanged(t.told, now, toleranceMs)) {
        const moved = t.told.vehicleId !== now.vehicleId || t.told.routeId !== now.routeId;
        if (!moved && etaHeld) continue;
        if (t.told.final) t.cb.afterFreeze++;
        else if (t.told.vehicleId !== now.vehicleId || t.told.routeId !== now.routeId) t.cb.updatedMoved++;
        else {
          t.cb.updatedEta++;
          etaShiftMin.push((Date.parse(now.eta) - Date.parse(t.told.eta)) / 60_000);
        }
        // tellRouteChanges sends the revision's assignment, without `final`: the next cutoff tick
        // sends that shipment a final again (sendFinals).
        t.told = { ...now, final: false };
      }
    }
  }
}

function giveUp(t: Tracked, reason: string): void {
  t.givenUp = reason;
  t.cb.unassigned++;
}

// --- Windows per region and priority, as windows.ts forms them: opened by the first shipment,
//     closing `windowMs` later, or at once when full.
interface Window {
  region: string;
  priority: 'STANDARD' | 'BULK';
  opened: number;
  closes: number;
  members: Tracked[];
}
const open = new Map<string, Window>();
function enqueue(t: Tracked, at: number): void {
  const priority = t.state.priority as 'STANDARD' | 'BULK';
  const key = `${t.state.region}/${priority}`;
  let w = open.get(key);
  if (!w) {
    w = { region: t.state.region, priority, opened: at, closes: at + WINDOW_S[priority], members: [] };
    open.set(key, w);
  }
  w.members.push(t);
  if (w.members.length >= settings.maxBatchSize) w.closes = at; // full: closes now
}

const windowSeconds: number[] = [];
const windowSizes: number[] = [];
const searchedStops: number[] = [];
let revisions = 0;
let conflicts = 0;
let windowsDone = 0;
async function closeWindow(w: Window): Promise<void> {
  const byDate = new Map<string, Tracked[]>();
  for (const t of w.members) {
    const date = t.state.serviceDate ?? t.derivedDate;
    byDate.set(date, [...(byDate.get(date) ?? []), t]);
  }
  let seconds = 0;
  const seed = ++windowsDone;
  for (const [date, members] of [...byDate].sort(([a], [b]) => a.localeCompare(b))) {
    searched = [];
    const replan = await replanDay(
      w.region,
      date,
      members.map((t) => t.state),
      ids.next(),
      seed,
      deps,
    );
    seconds += replan.solverSeconds;
    searchedStops.push(...searched);
    revisions++;
    conflicts += replan.conflicts;
    tell(replan.plan, replan.routeIds, replan.frozen, { region: w.region, date });
    const arriving = new Set(members.map((t) => t.state.shipmentId));
    // optimizeWindow's order: an ECONOMY shipment whose day is full moves on; in a frozen plan it
    // is given up `after_cutoff`; otherwise it goes to the next window, up to MAX_UNASSIGNED_WINDOWS.
    for (const u of replan.plan.unassigned) {
      const t = tracked.get(u.shipmentId);
      if (!t || !arriving.has(u.shipmentId)) continue;
      if (economyMaySpill(t.state, u.reason, fleet)) {
        t.spilled++;
        t.unassignedWindows = 0;
        t.state = {
          ...t.state,
          serviceDate: nextWorkingDay(date, calendarFor(w.region)),
          serviceDateMoves: (t.state.serviceDateMoves ?? 0) + 1,
        };
        enqueue(t, simSeconds);
      } else if (replan.frozen) giveUp(t, `after_cutoff (${u.reason})`);
      else if (++t.unassignedWindows >= settings.maxUnassignedWindows) giveUp(t, `unassigned (${u.reason})`);
      else enqueue(t, simSeconds);
    }
  }
  windowSeconds.push(seconds);
  windowSizes.push(w.members.length);
}

// --- The dispatch cutoff (cutoff.ts): a plan whose cutoff has passed and that was first written
//     before it freezes (a revision of its own); every tick sends a final to each of its
//     shipments whose last assignment is not a final one.
function cutoffTick(): void {
  for (const [key, plan] of plans.plans) {
    const date = plan.serviceDate ?? '';
    const cutoff = dispatchCutoffOf(date, calendarFor(plan.region)) / 1000;
    if (cutoff > simSeconds) continue;
    let current = plan;
    if (!plan.frozenAt) {
      if (Date.parse(plan.createdAt ?? plan.updatedAt) / 1000 >= cutoff) continue; // made after its cutoff
      current = {
        ...plan,
        revision: plan.revision + 1,
        updatedAt: iso(simSeconds),
        frozenAt: iso(simSeconds),
      };
      plans.plans.set(key, current);
    }
    const routing = current.plan as RoutingPlan;
    for (const route of routing.routes)
      for (const stop of route.stops) {
        const t = tracked.get(stop.shipmentId);
        if (!t || (t.told ? t.told.final : !t.held)) continue;
        t.cb.final++; // held: route_optimized with final, its first callback
        t.told = {
          vehicleId: route.vehicleId,
          routeId: current.routeIds[route.vehicleId] ?? '',
          eta: iso(stop.arrival),
          final: true,
        };
      }
  }
}

// --- URGENT: the engine's real-time insertion into today's plan of the region (as the API does,
//     without the dispatch lead); its repair may move others, told by the same rule.
interface TodayPlan {
  plan: RoutingPlan;
  input: RoutingInput;
  routeIds: Record<string, string>;
}
const today = new Map<string, TodayPlan>();
const urgentMs: number[] = [];
let urgentPlaced = 0;
async function insertUrgent(t: Tracked): Promise<void> {
  const region = t.state.region;
  const date = t.state.serviceDate ?? t.derivedDate;
  const depots: DepotInput[] = day.regions.find((r) => r.region === region)?.depots ?? [];
  const current = today.get(region) ?? {
    plan: { routes: [], unassigned: [], distanceMeters: 0, durationSeconds: 0, vehiclesUsed: 0, cost: 0 },
    input: {
      depots,
      vehicles: vehiclesFor(region, depots, fleet, simSeconds, date),
      shipments: [],
      planningStart: simSeconds,
    },
    routeIds: {},
  };
  const job = toJob(t.state);
  const started = performance.now();
  const r = await insertShipment(
    { plan: current.plan, input: current.input, now: simSeconds },
    job,
    repairMs,
    {
      matrix,
    },
  );
  urgentMs.push(performance.now() - started);
  if (!r.routeVehicleId) {
    giveUp(t, `URGENT: ${r.unassignedReason ?? 'no_vehicle'}`); // p0 would retry it; counted as not placed
    return;
  }
  urgentPlaced++;
  const routeIds = { ...current.routeIds };
  for (const route of r.plan.routes) routeIds[route.vehicleId] ??= ids.next();
  const next = {
    plan: r.plan,
    input: { ...current.input, shipments: [...current.input.shipments, job] },
    routeIds,
  };
  today.set(region, next);
  tell(next.plan, routeIds, false, { region, date });
}

// --- The day, in time order: cutoff ticks, closing windows, arrivals.
const urgentCount = all.filter((t) => t.state.priority === 'URGENT').length;
const dates = [...new Set(all.map((t) => t.derivedDate))].sort();
const wholeDayGroups = [
  ...new Set(
    all.filter((t) => t.state.priority !== 'URGENT').map((t) => `${t.state.region}|${t.derivedDate}`),
  ),
];
const progress = progressLine({ label: 'bench:pipeline' });
const loadAtStart = load();
progress.log(
  `day: ${all.length} shipments (${urgentCount} URGENT), service dates ${dates.join(', ')}; budget ${budgetMs} ms/window, URGENT ${repairMs} ms, whole day ${dayBudgetMs / 1000} s × ${wholeDayGroups.length} plans${values.full ? ' (--full)' : ' (short form; --full for the production budgets)'}`,
);
const dayLeftS = (groups: number) => (groups * dayBudgetMs) / 1000;
const t0 = performance.now();
let ai = 0;
let nextTick = Math.ceil(day.day / CUTOFF_TICK_S) * CUTOFF_TICK_S;
for (;;) {
  const arrival = all[ai]?.s.arrival ?? Number.POSITIVE_INFINITY;
  const due = [...open.values()].reduce<Window | undefined>(
    (a, w) => (!a || w.closes < a.closes ? w : a),
    undefined,
  );
  const closes = due?.closes ?? Number.POSITIVE_INFINITY;
  if (arrival === Number.POSITIVE_INFINITY && closes === Number.POSITIVE_INFINITY) break;
  if (nextTick <= Math.min(arrival, closes)) {
    simSeconds = nextTick;
    cutoffTick();
    nextTick += CUTOFF_TICK_S;
    continue;
  }
  if (due && closes <= arrival) {
    simSeconds = closes;
    open.delete(`${due.region}/${due.priority}`);
    await closeWindow(due);
  } else {
    const t = all[ai++] as Tracked;
    simSeconds = t.s.arrival;
    if (t.state.priority === 'URGENT') await insertUrgent(t);
    else enqueue(t, simSeconds);
  }
  const elapsed = (performance.now() - t0) / 1000;
  const left = etaByRate(ai, all.length, elapsed);
  progress.update(
    `${new Date(simSeconds * 1000).toISOString().slice(11, 16)} UTC: ${ai}/${all.length} arrived, ${windowsDone} windows, URGENT ${urgentMs.length}/${urgentCount}`,
    left === undefined ? undefined : left + dayLeftS(wholeDayGroups.length),
  );
}
// The last tick after the last window: finals owed to shipments told after the freeze.
simSeconds = nextTick;
cutoffTick();
const batchWall = (performance.now() - t0) / 1000;

// --- Whole day, everything known in advance: one optimization per (region, service date) of the
//     same shipments (those whose service date it was when received), same vehicles and shifts.
progress.update(`whole day: plan 1/${wholeDayGroups.length}`, dayLeftS(wholeDayGroups.length));
const depotsOf = (region: string) => day.regions.find((r) => r.region === region)?.depots ?? [];
const groups: DistanceGroup[] = wholeDayGroups.map((g) => {
  const [region = '', date = ''] = g.split('|');
  const members = all.filter(
    (t) => t.state.region === region && t.derivedDate === date && t.state.priority !== 'URGENT',
  );
  const start = Math.min(...members.map((t) => t.s.arrival));
  const depots = depotsOf(region);
  return {
    name: g,
    depots,
    vehicles: vehiclesFor(region, depots, fleet, start, date),
    shipments: members.map((t) => toJob(t.state)),
    planningStart: start,
  };
});
const wholeDay = await dayDistances(groups, {
  budgetMs: dayBudgetMs,
  matrix,
  onGroup: (done, g) => {
    progress.log(
      `whole day ${g.name}: ${g.shipments} shipments, ${km(g.wholeDayMeters ?? 0)} km, ${g.routes} routes, ${g.unassigned} unassigned`,
    );
    progress.update(
      `whole day: plan ${done + 1}/${wholeDayGroups.length}`,
      dayLeftS(wholeDayGroups.length - done),
    );
  },
});
progress.end(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
await shutdownSolverWorkers();
const totalWall = (performance.now() - t0) / 1000;

// --- Figures.
interface Row {
  name: string;
  shipments: number;
  feasible: number;
  plannedFeasible: number;
  planned: number;
  spilled: number;
  givenUp: number;
  livingMeters: number;
  livingRoutes: number;
  wholeDay?: GroupDistance;
}
const rows: Row[] = wholeDay.map((g) => {
  const [region = '', date = ''] = g.name.split('|');
  const plan = plans.plans.get(`${region}|${date}`);
  const routing = plan?.plan as RoutingPlan | undefined;
  const onPlan = new Set(routing?.routes.flatMap((r) => r.stops.map((s) => s.shipmentId)) ?? []);
  const members = all.filter(
    (t) => t.state.region === region && t.derivedDate === date && t.state.priority !== 'URGENT',
  );
  const infeasible = new Set(g.unassignedIds ?? []);
  const feasible = members.filter((t) => !infeasible.has(t.state.shipmentId));
  return {
    name: `${region} ${date}`,
    shipments: members.length,
    feasible: feasible.length,
    plannedFeasible: feasible.filter((t) => onPlan.has(t.state.shipmentId)).length,
    planned: members.filter((t) => onPlan.has(t.state.shipmentId)).length,
    spilled: members.filter((t) => t.spilled > 0).length,
    givenUp: members.filter((t) => t.givenUp).length,
    livingMeters: routing?.distanceMeters ?? 0,
    livingRoutes: routing?.routes.length ?? 0,
    wholeDay: g,
  };
});
const sum = (xs: Row[], f: (r: Row) => number) => xs.reduce((a, r) => a + f(r), 0);
const total: Row = {
  name: '**all frozen plans**',
  shipments: sum(rows, (r) => r.shipments),
  feasible: sum(rows, (r) => r.feasible),
  plannedFeasible: sum(rows, (r) => r.plannedFeasible),
  planned: sum(rows, (r) => r.planned),
  spilled: sum(rows, (r) => r.spilled),
  givenUp: sum(rows, (r) => r.givenUp),
  livingMeters: sum(rows, (r) => r.livingMeters),
  livingRoutes: sum(rows, (r) => r.livingRoutes),
  wholeDay: {
    name: 'all',
    shipments: sum(rows, (r) => r.shipments),
    soloMeters: sum(rows, (r) => r.wholeDay?.soloMeters ?? 0),
    wholeDayMeters: sum(rows, (r) => r.wholeDay?.wholeDayMeters ?? 0),
    routes: sum(rows, (r) => r.wholeDay?.routes ?? 0),
    unassigned: sum(rows, (r) => r.wholeDay?.unassigned ?? 0),
  },
};
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '–');
const share = (a: number, b: number) => (b > 0 ? `${((a / b) * 100).toFixed(1)} %` : '–');
const rowLine = (r: Row) =>
  `| ${r.name} | ${r.shipments} | ${r.feasible} | ${r.plannedFeasible} (${share(r.plannedFeasible, r.feasible)}) | ${r.planned} | ${r.spilled} / ${r.givenUp} | ${km(r.livingMeters)} | ${km(r.wholeDay?.wholeDayMeters ?? 0)} | **${ratio(r.livingMeters, r.wholeDay?.wholeDayMeters ?? 0)}** | ${km(r.wholeDay?.soloMeters ?? 0)} | ${ratio(r.livingMeters, r.wholeDay?.soloMeters ?? 0)} | ${r.livingRoutes} / ${r.wholeDay?.routes ?? '–'} |`;

// Plans the bench made that are not a whole-day group: today's URGENT plans, ECONOMY spills.
const otherPlans: string[] = [];
for (const [region, p] of today) {
  const members = all.filter((t) => t.state.region === region && t.state.priority === 'URGENT');
  const solo = await soloDistanceMeters(
    { ...p.input, shipments: members.map((t) => toJob(t.state)) },
    matrix,
  );
  const placed = new Set(p.plan.routes.flatMap((r) => r.stops.map((s) => s.shipmentId)));
  otherPlans.push(
    `| ${region} ${day.today} (URGENT, real-time insertion; its routes freeze as they leave) | ${members.length} | ${placed.size} | ${km(p.plan.distanceMeters)} | ${km(solo)} | ${ratio(p.plan.distanceMeters, solo)} | ${p.plan.routes.length} |`,
  );
}
for (const [key, p] of plans.plans) {
  if (wholeDayGroups.includes(key)) continue;
  const routing = p.plan as RoutingPlan;
  const input = p.input as RoutingInput;
  const solo = await soloDistanceMeters(input, matrix);
  otherPlans.push(
    `| ${key.replace('|', ' ')} (ECONOMY moved on from a full day; not frozen within the bench) | ${input.shipments.length} | ${routing.routes.reduce((a, r) => a + r.stops.length, 0)} | ${km(routing.distanceMeters)} | ${km(solo)} | ${ratio(routing.distanceMeters, solo)} | ${routing.routes.length} |`,
  );
}

// Callbacks per shipment, by kind, for tomorrow's shipments, today's URGENT ones and all.
const kinds = (ts: Tracked[]) => {
  const c = (f: (t: Tracked) => number) => ts.reduce((a, t) => a + f(t), 0);
  const optimized = c((t) => t.cb.optimized);
  const moved = c((t) => t.cb.updatedMoved);
  const eta = c((t) => t.cb.updatedEta);
  const after = c((t) => t.cb.afterFreeze);
  const final = c((t) => t.cb.final);
  const unassigned = c((t) => t.cb.unassigned);
  // A held shipment's final is its first callback: it owes no second one.
  const before = ts.filter((t) => t.beforeCutoff && t.cb.final > 0 && t.cb.optimized > 0).length;
  const n = ts.length;
  const per = (x: number) => (n > 0 ? (x / n).toFixed(2) : '–');
  const totalCb = optimized + moved + eta + after + final + unassigned;
  return {
    totalPer: n > 0 ? totalCb / n : 0,
    floor: n > 0 ? 1 + before / n : 0,
    line: (name: string) =>
      `| ${name} | ${n} | ${per(optimized)} | ${per(moved)} | ${per(eta)} | ${per(after)} | ${per(final)} | ${per(unassigned)} | **${per(totalCb)}** | ${n > 0 ? (1 + before / n).toFixed(2) : '–'} |`,
  };
};
const later = all.filter((t) => t.state.priority !== 'URGENT');
const urgent = all.filter((t) => t.state.priority === 'URGENT');
const cbLater = kinds(later);
const cbUrgent = kinds(urgent);
const cbAll = kinds(all);
const absShift = etaShiftMin.map(Math.abs);
const movedShipments = later.filter((t) => t.moves > 0).length;
const totalMoves = later.reduce((a, t) => a + t.moves, 0);
const dropped = all.filter((t) => t.told && !t.givenUp && !onAnyPlan(t)).length;
function onAnyPlan(t: Tracked): boolean {
  const p =
    t.state.priority === 'URGENT'
      ? today.get(t.state.region)?.plan
      : (plans.plans.get(`${t.state.region}|${t.state.serviceDate}`)?.plan as RoutingPlan | undefined);
  return p?.routes.some((r) => r.stops.some((s) => s.shipmentId === t.state.shipmentId)) ?? false;
}

let rev = 'unknown';
try {
  rev = execSync('git rev-parse --short HEAD').toString().trim();
  if (execSync('git status --porcelain --untracked-files=no').toString().trim())
    rev += ' (with uncommitted changes)';
} catch {
  // not a checkout
}
const flags = [
  values.full ? '--full' : '',
  ...(['budget-ms', 'day-budget-s', 'urgent-repair-ms', 'stall-iterations'] as const).map((name) => {
    const preset = values.full ? PRESETS.full : PRESETS.short;
    const used = {
      'budget-ms': budgetMs,
      'day-budget-s': dayBudgetMs / 1000,
      'urgent-repair-ms': repairMs,
      'stall-iterations': stall,
    }[name];
    return String(used) === preset[name] ? '' : `--${name} ${used}`;
  }),
  values.seed !== 7 ? `--seed ${values.seed}` : '',
  values.shipments !== 2500 ? `--shipments ${values.shipments}` : '',
  values.vehiclesPerDepot !== undefined ? `--vehicles-per-depot ${values.vehiclesPerDepot}` : '',
  values.movePenalty !== undefined ? `--move-penalty ${values.movePenalty}` : '',
  values.neighbourhoodStops !== undefined ? `--neighbourhood-stops ${values.neighbourhoodStops}` : '',
  values.etaUpdatesBeforeCutoff !== undefined
    ? `--eta-updates-before-cutoff ${values.etaUpdatesBeforeCutoff}`
    : '',
  values.callbacksBeforeCutoff !== undefined
    ? `--callbacks-before-cutoff ${values.callbacksBeforeCutoff}`
    : '',
].filter(Boolean);
const reproduce = `npm run bench:pipeline${flags.length ? ` -- ${flags.join(' ')}` : ''}`;

const levels = (level: string, windowed?: boolean) =>
  day.shipments.filter(
    (s) => s.serviceLevel === level && (windowed === undefined || !!s.job.timeWindow === windowed),
  ).length;
const overall = total.livingMeters / (total.wholeDay?.wholeDayMeters ?? 1);
const planShare = total.feasible > 0 ? total.plannedFeasible / total.feasible : 0;
const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
const d = fleet.defaults;
const body = `Date ${now()}; machine: ${machine()}; load average (1/5/15 min) ${loadAtStart} at the start, ${load()} at the end (a shared machine: solver seconds are upper bounds). Commit ${rev}. Reproduce: \`${reproduce}\`. ${values.full ? 'The production budgets (`--full`)' : 'The short form (the default; `--full` for the production budgets)'}: ${budgetMs} ms per window re-plan, stopping after ${stall} iterations without improvement (production: 30 s, 20,000); URGENT insertion ${repairMs} ms; whole day ${dayBudgetMs / 1000} s per plan. Wall time ${totalWall.toFixed(0)} s (${batchWall.toFixed(0)} s the day, the rest the whole-day runs).

The day (seed ${values.seed}, received on ${day.today}, ${TIME_ZONE}): ${all.length} shipments in 3 regions (2 depots each), arrival peaks of 400/h${rejected.length ? `, ${rejected.length} refused by the API's window checks` : ''}. Service levels as an SCM sends them: SAME_DAY (URGENT) ${levels('SAME_DAY')} (${levels('SAME_DAY', true)} with a window today); NEXT_DAY ${levels('NEXT_DAY')} (${levels('NEXT_DAY', true)} with tomorrow's window, 08:00–16:00 or a 3-hour slot; ${levels('NEXT_DAY', false)} without); ECONOMY ${levels('ECONOMY')} (no window). Service dates derived by the product (\`serviceDateFor\`): ${dates.map((dt) => `${dt} ${all.filter((t) => t.derivedDate === dt).length}`).join(', ')}. FLEET_CONFIG: the default fleet (${d.vehiclesPerDepot} vehicles per depot, ${d.capacityWeightKg} kg, shift ${d.shiftStart}–${d.shiftEnd} local on the service date, fixed cost ${d.fixedCost}, ${d.costPerKm}/km, ${d.costPerHour}/h), move penalty ${fleet.replan.movePenalty}, ETA tolerance ${fleet.replan.etaToleranceMinutes} min, ETA updates before the cutoff ${fleet.replan.etaUpdatesBeforeCutoff ? 'on' : 'off (the final carries the ETA)'}, callbacks before the cutoff ${fleet.replan.callbacksBeforeCutoff ? 'on' : 'off (each shipment of a plan with a cutoff ahead is sent one callback at the cutoff, route_optimized with final: true, counted in the final column; no move penalty)'}, dispatch cutoff ${fleet.calendar.dispatchCutoff.time} local the day before. Great-circle distances × ${fleet.roadFactor} at ${fleet.speedKmh} km/h.

How it runs: windows per region and priority (${env.WINDOW_MINUTES_STANDARD} min, at most ${settings.maxBatchSize}); each closing window calls the product's \`replanDay\` for each service date of its shipments (on an in-memory plan store: warm start from the current plan, the neighbourhood of the new shipments when the plan holds more than ${fleet.replan.neighbourhoodStops} (\`replan.neighbourhoodStops\`), \`currentVehicles\` with the move penalty, the batch budget and stall; after the freeze, insertion only with the times held); unassigned ones go to the next window up to ${settings.maxUnassignedWindows} times (an ECONOMY one whose day is full moves to the next working day first, \`economyMaySpill\`). URGENT: the engine's real-time insertion into today's plan. The dispatch cutoff runs every 5 minutes of the day's clock (freeze, finals). Feasible = planned by the whole-day optimization of the same shipments (same vehicles and shifts, ${dayBudgetMs / 1000} s, everything known).

| plan (region, service date) | shipments | feasible | planned of feasible | planned | moved on / given up | frozen plan km | whole day km | **frozen / whole day** | each alone km | frozen / alone | routes frozen / whole day |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.map(rowLine).join('\n')}
${rowLine(total)}

| other plans | shipments | planned | km | each alone km | / alone | routes |
| --- | --- | --- | --- | --- | --- | --- |
${otherPlans.join('\n')}

(Today's URGENT plans have no whole-day comparison: the engine has no release times, so a whole-day plan would deliver shipments before they arrive.)

Callbacks per shipment (contract §3a, the rule of \`assignmentChanged\`; the floor is one callback each plus a final for each shipment planned before its plan froze):

| shipments | n | route_optimized | route_updated (moved) | route_updated (ETA) | route_updated after the freeze | final | unassigned | **total** | floor |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${cbLater.line("tomorrow's (NEXT_DAY, ECONOMY)")}
${cbUrgent.line("today's URGENT")}
${cbAll.line('all')}

| measure | p50 | p95 | p99 | max | n |
| --- | --- | --- | --- | --- | --- |
| solver seconds per window (all its service dates) | ${pct(windowSeconds, 50).toFixed(2)} | ${pct(windowSeconds, 95).toFixed(2)} | ${pct(windowSeconds, 99).toFixed(2)} | ${Math.max(0, ...windowSeconds).toFixed(2)} | ${windowSeconds.length} |
| window size (shipments) | ${pct(windowSizes, 50)} | ${pct(windowSizes, 95)} | ${pct(windowSizes, 99)} | ${Math.max(0, ...windowSizes)} | ${windowSizes.length} |
| stops searched per re-plan (neighbourhood or whole plan) | ${pct(searchedStops, 50)} | ${pct(searchedStops, 95)} | ${pct(searchedStops, 99)} | ${Math.max(0, ...searchedStops)} | ${searchedStops.length} |
| ETA moved by, min, of each ETA-only route_updated (absolute; ${etaShiftMin.filter((m) => m > 0).length} later, ${etaShiftMin.filter((m) => m < 0).length} earlier) | ${pct(absShift, 50).toFixed(0)} | ${pct(absShift, 95).toFixed(0)} | ${pct(absShift, 99).toFixed(0)} | ${Math.max(0, ...absShift).toFixed(0)} | ${absShift.length} |
| URGENT insertion, ms (engine only) | ${pct(urgentMs, 50).toFixed(0)} | ${pct(urgentMs, 95).toFixed(0)} | ${pct(urgentMs, 99).toFixed(0)} | ${Math.max(0, ...urgentMs).toFixed(0)} | ${urgentMs.length} |

Re-plans: ${revisions} revisions (${conflicts} lost races). Moved: ${movedShipments} of ${later.length} of tomorrow's shipments changed vehicle at least once (${totalMoves} moves in all). URGENT placed in real time: ${urgentPlaced} of ${urgentMs.length}. Shipments told an assignment and then on no route without being given up: ${dropped}.

Reading (goals of issue 10): share planned of the feasible ones ${share(total.plannedFeasible, total.feasible)} (goal 100 %: ${verdict(planShare >= 0.9995)}); distance of the frozen plans ${ratio(total.livingMeters, total.wholeDay?.wholeDayMeters ?? 0)} the whole-day optimization (goal ≤ 1.10×: ${verdict(overall <= 1.1)}; the windowed design measured 5.8×) and ${ratio(total.livingMeters, total.wholeDay?.soloMeters ?? 0)} routing each alone; callbacks per shipment ${cbAll.totalPer.toFixed(2)} on average (goal ≤ 1.5: ${verdict(cbAll.totalPer <= 1.5)}; the floor of this day is ${cbAll.floor.toFixed(2)}${cbAll.floor > 1.5 ? ': one final per shipment planned before the cutoff alone puts it above 1.5' : ''}); solver seconds per window p50 / p95 / p99 ${pct(windowSeconds, 50).toFixed(2)} / ${pct(windowSeconds, 95).toFixed(2)} / ${pct(windowSeconds, 99).toFixed(2)} of a ${budgetMs / 1000} s budget.`;
// The short form has its own section, so that a quick run does not replace the --full figures.
// So do the runs with the callbacks held until the cutoff.
const variant = fleet.replan.callbacksBeforeCutoff ? '' : ', callbacks at the cutoff';
const title = `## Pipeline: a generated day${variant}${values.full ? '' : ' (short form)'}`;
if (values.doc !== '-') writeSection(values.doc, title, body);
console.log(`${title}\n\n${body}`);
