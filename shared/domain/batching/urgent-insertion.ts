import type { RouteRecord } from '../../schemas/batching';
import type { RouteAssignment, ShipmentState } from '../../schemas/state';
import type { RoutingInput, RoutingPlan, UnassignedReason } from '../../solver';
import { isoAt, wallBudget, withinWallTime } from '../clock';
import { ConcurrencyConflictError } from '../errors';
import { ownEntry, withOwnEntry } from '../lookup';
import { transition, transitionAt } from '../transitions';
import type { BatchingDeps } from './batching-deps';
import { bookInsertion, constrainToBookings, tracksBookings } from './bookings';
import { retireDeparted } from './day-plan';
import { depotsFor, serviceDateOf, toJob, vehiclesFor } from './fleet';
import { writeNextPlan } from './region-plans';
import { applyResult, staleAndRequeue } from './results';
import { tellRouteChanges } from './route-changes';
import { routeRecord } from './route-records';

const EMPTY_PLAN: RoutingPlan = {
  routes: [],
  unassigned: [],
  distanceMeters: 0,
  durationSeconds: 0,
  vehiclesUsed: 0,
  cost: 0,
};

export type RealtimeOutcome =
  | { kind: 'optimized'; state: ShipmentState; route: RouteRecord }
  | { kind: 'timeout' }
  | { kind: 'unassigned'; reason: UnassignedReason };

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
    // Routes that have left are dispatched; their vehicles take new routes once they are back.
    const open = current ? retireDeparted(current, now) : undefined;
    const baseInput = open?.input ?? {
      depots: [],
      vehicles: [],
      shipments: [],
      planningStart: now,
    };
    const basePlan = open?.plan ?? EMPTY_PLAN;
    const input = holdIdleVehicles(
      withShipmentDepot(
        baseInput,
        optimizing,
        serviceDate,
        deps,
        now,
        new Set(open?.dispatched.map((d) => d.vehicleId)),
      ),
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
    const routeId = ownEntry(open?.routeIds ?? {}, route.vehicleId) ?? deps.ids.next();
    const routeIds = withOwnEntry(open?.routeIds ?? {}, route.vehicleId, routeId);
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
    const saved = await writeNextPlan(
      optimizing.region,
      serviceDate,
      current,
      {
        input: newInput,
        plan: insertion.plan,
        routeIds,
        batchId,
        ...(open && open.dispatched.length > 0 ? { dispatched: open.dispatched } : {}),
        versions: withOwnEntry(current?.versions ?? {}, optimizing.shipmentId, optimizing.version),
      },
      deps,
    );
    if (!saved) continue; // another writer changed the plan: insert again into the new one
    const revision = saved.revision;
    // The version planned of each stop: this shipment's, the plan's, else the stored one.
    const versions = new Map(
      await Promise.all(
        route.stops.map(async ({ shipmentId }) => {
          const known =
            shipmentId === optimizing.shipmentId
              ? optimizing.version
              : current?.versions
                ? ownEntry(current.versions, shipmentId)
                : undefined;
          return [shipmentId, known ?? (await deps.store.get(shipmentId))?.version ?? 1] as const;
        }),
      ),
    );
    const record = routeRecord(route, {
      routeId,
      batchId,
      region: optimizing.region,
      input: newInput,
      versionOf: (id) => versions.get(id),
      createdAt: isoAt(deps.clock),
      depotId: job.originDepotId,
    });
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
      serviceDate,
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
  /** Vehicles that have been out today: one back after its shift is not offered again. */
  beenOut: ReadonlySet<string>,
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
            v.startDepotId === state.shipment.origin.depotId &&
            !beenOut.has(v.id) &&
            !input.vehicles.some((x) => x.id === v.id),
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
