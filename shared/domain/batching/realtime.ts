import type { RouteRecord } from '../../schemas/batching';
import type { RouteAssignment, ShipmentState } from '../../schemas/state';
import type { RoutingInput, RoutingPlan, UnassignedReason } from '../../solver';
import { isoAt, wallBudget, withinWallTime } from '../clock';
import { ConcurrencyConflictError, DomainError } from '../errors';
import { ownEntry, withOwnEntry } from '../lookup';
import { derivePriority } from '../priority';
import { transition, transitionAt } from '../transitions';
import { type SubmitCommand, type SubmitResult, submitShipment } from '../use-cases/shipments';
import { bookInsertion, constrainToBookings, tracksBookings } from './bookings';
import type { BatchingDeps } from './dependencies';
import { depotsFor, serviceDateOf, toJob, vehiclesFor } from './fleet';
import { applyResult, staleAndRequeue } from './optimize-window';
import { tellRouteChanges } from './route-changes';
import { giveUpShipment } from './unplanned';

const EMPTY_PLAN: RoutingPlan = {
  routes: [],
  unassigned: [],
  distanceMeters: 0,
  durationSeconds: 0,
  vehiclesUsed: 0,
  cost: 0,
};
const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

export type RealtimeOutcome =
  | { kind: 'optimized'; state: ShipmentState; route: RouteRecord }
  | { kind: 'timeout' }
  | { kind: 'unassigned'; reason: UnassignedReason };

export interface AcceptResult extends SubmitResult {
  /** Set for URGENT shipments: what the real-time optimization did. */
  realtime?: RealtimeOutcome;
}

/**
 * POST/PUT of a shipment. URGENT ones are optimized in real time inside the call (contract §3:
 * 10 s in all): held as RECEIVED, inserted into the region's current plan, and committed OPTIMIZED
 * with their route; if the budget runs out or nothing fits, they are queued on p0 (202).
 */
export async function acceptShipment(
  cmd: SubmitCommand,
  deps: BatchingDeps,
  /** When the call began, on the wall-time stopwatch (`clock.wallMs()`): the budget is wall time. */
  startedAt = deps.clock.wallMs(),
): Promise<AcceptResult> {
  const derived = derivePriority(cmd.body, deps.priorityPolicy);
  if (derived !== 'URGENT') return submitShipment(cmd, deps);
  const held = await submitShipment({ ...cmd, hold: true }, deps);
  if (held.outcome === 'replayed' || held.state.status !== 'RECEIVED') return held;
  const announceAs = held.outcome === 'created' ? 'shipment.created' : 'shipment.updated';

  const remaining = wallBudget(deps.clock, deps.settings.urgentBudgetMs, startedAt).remainingMs();
  const spent = wallBudget(deps.clock);
  const outcome = await optimizeInRealTime(held.state, Math.max(0, remaining - 200), deps, announceAs);
  deps.metrics.realtimeOptimized({ outcome: outcome.kind, seconds: spent.elapsedMs() / 1000 });
  const state = (await deps.store.get(held.state.shipmentId)) ?? held.state;
  return { ...held, state, realtime: outcome };
}

/**
 * Inserts one shipment into the current plan of its region and service date within `budgetMs`: OPTIMIZING, then the
 * engine's real-time insertion, then the conditional OPTIMIZED write. A timeout or no fit leaves
 * the shipment as it was before OPTIMIZING (RECEIVED or QUEUED) for the caller to queue or retry.
 */
export async function optimizeInRealTime(
  state: ShipmentState,
  budgetMs: number,
  deps: BatchingDeps,
  /** On failure: announce the shipment (QUEUED, to p0) under this detail-type; absent: just QUEUED. */
  announceAs?: 'shipment.created' | 'shipment.updated',
): Promise<RealtimeOutcome> {
  const budget = wallBudget(deps.clock, budgetMs);
  const claimed = await transitionAt(deps, state, {
    type: 'shipment.optimizing',
    to: 'OPTIMIZING',
    version: state.version,
    correlationId: state.correlationId,
    patch: { statusReason: 'real-time insertion' },
  });
  if (!claimed) {
    throw new ConcurrencyConflictError(`shipment ${state.shipmentId} changed before its real-time insertion`);
  }
  const optimizing = claimed.state;
  const revert = async (reason: string) => {
    await transition(deps, state.shipmentId, (current) =>
      current?.status !== 'OPTIMIZING' || current.version !== state.version
        ? { stop: undefined }
        : {
            write: {
              type: 'shipment.queued',
              to: 'QUEUED',
              version: current.version,
              correlationId: current.correlationId,
              patch: { statusReason: announceAs ? `${reason}: queued on p0` : reason },
              ...(announceAs ? { busEvent: announceAs } : {}),
            },
          },
    );
  };

  // Contract §3a: inserted into the plan of its service date, with that date's shifts.
  const serviceDate = serviceDateOf(optimizing, deps.fleet);
  for (let attempt = 0; attempt < 3; attempt++) {
    const left = budget.remainingMs();
    if (left <= 0) break;
    const current = await deps.batches.getRegionPlan(optimizing.region, serviceDate);
    const now = Math.floor(deps.clock.now() / 1000);
    const baseInput = (current?.input as RoutingInput | undefined) ?? {
      depots: [],
      vehicles: [],
      shipments: [],
      planningStart: now,
    };
    const basePlan = (current?.plan as RoutingPlan | undefined) ?? EMPTY_PLAN;
    const input = holdIdleVehicles(
      withShipmentDepot(baseInput, optimizing, serviceDate, deps, now),
      basePlan,
      optimizing.shipment.origin.depotId,
      now + Math.round(deps.settings.urgentDispatchLeadMs / 1000),
    );
    const job = toJob(optimizing);
    // Drop an older entry of the same shipment (a previous version) from the plan first.
    const withoutOld = withoutShipment(input, basePlan, job.id);
    // A configured fleet's vehicles may be out on routes of other plans (ADR 0004: bookings).
    const bookings = tracksBookings(optimizing.region, deps)
      ? await deps.batches.getBookings(optimizing.region, serviceDate)
      : undefined;
    const cleaned = bookings ? constrainToBookings(withoutOld.input, withoutOld.plan, bookings) : withoutOld;
    const insertion = await withinWallTime(
      deps.engine.insertShipment(
        { plan: cleaned.plan, input: cleaned.input, now },
        job,
        Math.max(1, Math.min(left - 50, deps.settings.realtimeRepairMs)),
        {
          ...(deps.matrix ? { matrix: deps.matrix } : {}),
          // A frozen plan (dispatch cutoff) takes it only where it moves nobody (contract §3a).
          ...(current?.frozenAt ? { repair: false } : {}),
        },
      ),
      left,
    );
    if (!insertion) break;
    if (!insertion.routeVehicleId) {
      await revert(`real-time insertion found no vehicle (${insertion.unassignedReason ?? 'no_vehicle'})`);
      return { kind: 'unassigned', reason: insertion.unassignedReason ?? 'no_vehicle' };
    }
    const newInput: RoutingInput = { ...cleaned.input, shipments: [...cleaned.input.shipments, job] };
    const route = insertion.plan.routes.find((r) => r.vehicleId === insertion.routeVehicleId);
    if (!route) break;
    const routeId = ownEntry(current?.routeIds ?? {}, route.vehicleId) ?? deps.ids.next();
    const routeIds = withOwnEntry(current?.routeIds ?? {}, route.vehicleId, routeId);
    const batchId = deps.ids.next();
    if (
      bookings &&
      !(await bookInsertion(
        optimizing.region,
        serviceDate,
        batchId,
        cleaned.plan,
        insertion.plan,
        cleaned.input.vehicles,
        deps,
      ))
    ) {
      continue; // a vehicle was booked meanwhile: insert again with the fresh bookings
    }
    const revision = (current?.revision ?? 0) + 1;
    const saved = await deps.batches.putRegionPlan({
      region: optimizing.region,
      serviceDate,
      revision,
      updatedAt: isoAt(deps.clock),
      input: newInput,
      plan: insertion.plan,
      routeIds,
      batchId,
      ...(current?.dispatched ? { dispatched: current.dispatched } : {}),
      versions: withOwnEntry(current?.versions ?? {}, optimizing.shipmentId, optimizing.version),
      createdAt: current ? (current.createdAt ?? current.updatedAt) : isoAt(deps.clock),
      ...(current?.frozenAt ? { frozenAt: current.frozenAt } : {}),
    });
    if (!saved) continue; // another writer changed the plan: insert again into the new one
    const versions = new Map<string, number>([[optimizing.shipmentId, optimizing.version]]);
    const record: RouteRecord = {
      routeId,
      batchId,
      region: optimizing.region,
      vehicleId: route.vehicleId,
      depotId: newInput.vehicles.find((v) => v.id === route.vehicleId)?.startDepotId ?? job.originDepotId,
      start: iso(route.start),
      end: iso(route.end),
      distanceMeters: route.distanceMeters,
      durationSeconds: route.durationSeconds,
      cost: route.cost,
      stops: await Promise.all(
        route.stops.map(async (stop, i) => {
          const s = newInput.shipments.find((x) => x.id === stop.shipmentId);
          let version =
            versions.get(stop.shipmentId) ??
            (current?.versions ? ownEntry(current.versions, stop.shipmentId) : undefined);
          if (version === undefined) version = (await deps.store.get(stop.shipmentId))?.version ?? 1;
          return {
            shipmentId: stop.shipmentId,
            version,
            sequence: i + 1,
            eta: iso(stop.arrival),
            departure: iso(stop.departure),
            destination: { lat: s?.destination.lat ?? 0, lon: s?.destination.lon ?? 0 },
          };
        }),
      ),
      createdAt: isoAt(deps.clock),
    };
    await deps.batches.putRoutes([record]);
    const stop = record.stops.find((s) => s.shipmentId === optimizing.shipmentId);
    const assignment: RouteAssignment = {
      routeId,
      vehicleId: route.vehicleId,
      sequence: stop?.sequence ?? 1,
      stops: record.stops.length,
      eta: stop?.eta ?? record.start,
      batchId,
      optimizedAt: isoAt(deps.clock),
      planRevision: revision,
      ...(current?.frozenAt ? { final: true } : {}),
    };
    // Contract §3a: the others on its route whose ETA moved by more than the tolerance are told.
    await tellRouteChanges(
      [record],
      {
        serviceDate,
        revision,
        batchId,
        optimizedAt: assignment.optimizedAt,
        firstAssigned: new Set([optimizing.shipmentId]),
      },
      deps,
    );
    const applied = await applyResult(optimizing.shipmentId, optimizing.version, assignment, deps);
    if (!applied) {
      return { kind: 'timeout' }; // a newer version or a cancellation arrived meanwhile: nothing to queue
    }
    await requeueDisplaced(basePlan, insertion.plan, optimizing.shipmentId, deps);
    // The state this call wrote (OPTIMIZED): the callback may already have moved it on.
    return { kind: 'optimized', state: applied, route: record };
  }
  await revert('real-time budget exhausted');
  return { kind: 'timeout' };
}

/**
 * The depot's idle vehicles (no stop in the plan) leave no earlier than `departAt`, written into
 * the plan's input so the route keeps that departure when later URGENT shipments join it. Without
 * this every URGENT shipment took a vehicle of its own that left at once (a departed route takes
 * nobody), and a depot's default vehicles were used up by its first ten URGENT shipments: the
 * rest found no vehicle, on every p0 retry too.
 */
function holdIdleVehicles(
  input: RoutingInput,
  plan: RoutingPlan,
  depotId: string,
  departAt: number,
): RoutingInput {
  const busy = new Set(plan.routes.filter((r) => r.stops.length > 0).map((r) => r.vehicleId));
  return {
    ...input,
    vehicles: input.vehicles.map((v) =>
      v.startDepotId !== depotId || busy.has(v.id) || v.shiftStart >= departAt || v.shiftEnd <= departAt
        ? v
        : { ...v, shiftStart: departAt },
    ),
  };
}

/** Adds the shipment's depot and, if no vehicle is based there, the default vehicles of that depot. */
function withShipmentDepot(
  input: RoutingInput,
  state: ShipmentState,
  serviceDate: string,
  deps: BatchingDeps,
  now: number,
): RoutingInput {
  const depots = depotsFor(state.region, [state], deps.fleet).filter(
    (d) => !input.depots.some((x) => x.id === d.id),
  );
  const allDepots = [...input.depots, ...depots];
  const hasVehicle = input.vehicles.some(
    (v) => v.startDepotId === state.shipment.origin.depotId && v.shiftEnd > now,
  );
  const vehicles = hasVehicle
    ? input.vehicles
    : [
        ...input.vehicles,
        ...vehiclesFor(state.region, allDepots, deps.fleet, now, serviceDate).filter(
          (v) =>
            v.startDepotId === state.shipment.origin.depotId && !input.vehicles.some((x) => x.id === v.id),
        ),
      ];
  return { ...input, depots: allDepots, vehicles };
}

function withoutShipment(input: RoutingInput, plan: RoutingPlan, shipmentId: string) {
  if (!input.shipments.some((s) => s.id === shipmentId)) return { input, plan };
  return {
    input: { ...input, shipments: input.shipments.filter((s) => s.id !== shipmentId) },
    plan: {
      ...plan,
      routes: plan.routes.map((r) => ({ ...r, stops: r.stops.filter((s) => s.shipmentId !== shipmentId) })),
      unassigned: plan.unassigned.filter((u) => u.shipmentId !== shipmentId),
    },
  };
}

/** Shipments the insertion took off their route to make room are re-queued for a fresh optimization. */
async function requeueDisplaced(
  before: RoutingPlan,
  after: RoutingPlan,
  insertedId: string,
  deps: BatchingDeps,
) {
  const routed = new Set(after.routes.flatMap((r) => r.stops.map((s) => s.shipmentId)));
  for (const id of before.routes.flatMap((r) => r.stops.map((s) => s.shipmentId))) {
    if (id === insertedId || routed.has(id)) continue;
    const state = await deps.store.get(id);
    if (!state || !['OPTIMIZED', 'CALLBACK_PENDING', 'ROUTE_APPLIED'].includes(state.status)) continue;
    await staleAndRequeue(
      state,
      `displaced by URGENT shipment ${insertedId}`,
      're-queued after displacement',
      deps,
      { route: null },
    );
  }
}

/**
 * The p0 consumer: an URGENT shipment whose real-time optimization ran out of budget, a re-queued
 * URGENT one, or one left RECEIVED by an API call that died mid-way (re-announced by recovery).
 * Throws to have the message retried. On the message's last receive (`receive.count >=
 * receive.max`) a shipment still not placed is given up instead (giveUpShipment: STALE with the
 * reason, shipment.unassigned to the SCM, the ShipmentsUnassigned alarm), so it never sits in the
 * p0 DLQ while QUEUED with no other trace; an unexpected error is still thrown (→ DLQ) after that.
 */
export async function optimizeQueuedUrgent(
  detail: { shipmentId: string; version: number },
  budgetMs: number,
  deps: BatchingDeps,
  receive: { count: number; max: number } = { count: 1, max: Number.POSITIVE_INFINITY },
): Promise<RealtimeOutcome | { kind: 'skipped' | 'given_up'; reason: string }> {
  const state = await deps.store.get(detail.shipmentId);
  if (!state) return { kind: 'skipped', reason: 'unknown shipment' };
  if (state.version !== detail.version) return { kind: 'skipped', reason: 'superseded by a newer version' };
  if (!['QUEUED', 'STALE', 'RECEIVED'].includes(state.status))
    return { kind: 'skipped', reason: `status ${state.status}` };
  let failure: unknown;
  try {
    const outcome = await optimizeInRealTime(state, budgetMs, deps);
    if (outcome.kind === 'optimized') return outcome;
    failure = new UrgentNotPlacedError(
      `URGENT shipment ${state.shipmentId} could not be placed (${outcome.kind === 'unassigned' ? outcome.reason : 'timeout'})`,
    );
  } catch (error) {
    failure = error;
  }
  if (receive.count < receive.max) throw failure;
  const why = failure instanceof Error ? failure.message : String(failure);
  const reason = `URGENT: not placed in ${receive.count} attempts (${why})`;
  const current = await deps.store.get(detail.shipmentId);
  if (current?.version === detail.version && ['QUEUED', 'RECEIVED', 'OPTIMIZING'].includes(current.status)) {
    await giveUpShipment(current, reason, deps);
  }
  if (!(failure instanceof UrgentNotPlacedError)) throw failure;
  return { kind: 'given_up', reason };
}

/**
 * An URGENT shipment found no place in its region's plan (nothing fits, or the budget ran out).
 * Retried on p0 like a dependency failure: the plan may have room on the next receive.
 */
export class UrgentNotPlacedError extends DomainError {
  readonly fault = 'dependency';
  readonly code = 'urgent-not-placed';
}
