import { SHIPMENT_UNASSIGNED, type ShipmentUnassignedDetail } from '../../schemas/events';
import type { ShipmentState } from '../../schemas/state';
import { calendarOf, nextWorkingDay } from '../calendar';
import { isoAt } from '../clock';
import { canTransition } from '../lifecycle';
import { transitionAt } from '../transitions';
import type { BatchingDeps } from './batching-deps';
import type { DayReplan } from './day-plan';
import { serviceDateOf } from './fleet';
import { requeueForNextWindow } from './results';

/**
 * Gives up a shipment that cannot be planned, so it never leaves the system silently: it becomes
 * STALE with the reason (visible in GET and the audit trail, contract §2), a `shipment.unassigned`
 * event goes on the bus (the SCM callback, contract §3a) and ShipmentsUnassigned is counted (the
 * operations alarm). A newer SCM version re-queues it as usual. Answers the new state, or
 * undefined when the shipment moved on meanwhile (another writer won, or it cannot become STALE).
 */
export async function giveUpShipment(
  state: ShipmentState,
  reason: string,
  deps: Pick<
    BatchingDeps,
    'store' | 'clock' | 'ids' | 'publisher' | 'logger' | 'batches' | 'metrics' | 'fleet'
  >,
  patch: { unassignedWindows?: number } = {},
): Promise<ShipmentState | undefined> {
  if (!canTransition(state.status, 'STALE')) return undefined;
  const plan = await deps.batches
    .getRegionPlan(state.region, serviceDateOf(state, deps.fleet))
    .catch(() => undefined);
  const detail: Omit<ShipmentUnassignedDetail, 'eventId'> = {
    shipmentId: state.shipmentId,
    version: state.version,
    correlationId: state.correlationId,
    region: state.region,
    priority: state.priority,
    reason,
    ...(plan ? { planRevision: plan.revision } : {}),
    occurredAt: isoAt(deps.clock),
  };
  const given = await transitionAt(deps, state, {
    type: 'shipment.unassigned',
    to: 'STALE',
    version: state.version,
    correlationId: state.correlationId,
    patch: { statusReason: reason, route: null, ...patch },
    busEvent: { detailType: SHIPMENT_UNASSIGNED, detail },
  });
  if (!given) return undefined; // another writer moved it first
  deps.metrics.shipmentUnassigned({ region: state.region, priority: state.priority });
  deps.logger.warn('shipment given up: it cannot be planned', {
    shipmentId: state.shipmentId,
    version: state.version,
    region: state.region,
    reason,
  });
  return given.state;
}

/** Reasons that mean the day has no room left for the shipment (not that it can never be planned). */
const DAY_FULL: readonly string[] = ['capacity', 'shift', 'no_vehicle', 'time_window'];

/**
 * Whether `spillEconomy` moves the shipment on (pure): an ECONOMY shipment without a time window,
 * left unassigned because its day is full (`why`: a DAY_FULL reason), that has moved fewer than
 * `economySpillDays` times.
 */
export function economyMaySpill(
  claimed: Pick<ShipmentState, 'shipment' | 'serviceDateMoves'>,
  why: string,
  fleet: Pick<BatchingDeps['fleet'], 'economySpillDays'>,
): boolean {
  if (!DAY_FULL.includes(why)) return false;
  if (claimed.shipment.serviceLevel !== 'ECONOMY' || claimed.shipment.timeWindow) return false;
  return (claimed.serviceDateMoves ?? 0) < fleet.economySpillDays;
}

/**
 * Contract §3a: an ECONOMY shipment without a time window whose day is full moves to the next
 * working day of its region, at most `FLEET_CONFIG.economySpillDays` times: QUEUED again with the
 * new `serviceDate` (GET shows it), so the next window plans it into that day's plan. A frozen day
 * counts as full too. False when it is not such a shipment (or has moved as often as it may).
 */
export async function spillEconomy(
  claimed: ShipmentState,
  serviceDate: string,
  why: string,
  deps: BatchingDeps,
): Promise<boolean> {
  // Decided on the state this run claimed (its body and moves are those of the version optimized),
  // so only a shipment that may move is read again.
  if (!economyMaySpill(claimed, why, deps.fleet)) return false;
  const moves = claimed.serviceDateMoves ?? 0;
  const state = await deps.store.get(claimed.shipmentId);
  if (state?.status !== 'OPTIMIZING' || state.version !== claimed.version) return false;
  const next = nextWorkingDay(serviceDate, calendarOf(state.region, deps.fleet));
  await requeueForNextWindow(
    state,
    {
      serviceDate: next,
      serviceDateMoves: moves + 1,
      unassignedWindows: null,
      statusReason: `economy: the plan of ${serviceDate} is full (${why}); moved to ${next}, the next working day (move ${moves + 1} of at most ${deps.fleet.economySpillDays})`,
    },
    deps,
  );
  deps.logger.info('economy shipment moved to the next working day: its day is full', {
    shipmentId: state.shipmentId,
    from: serviceDate,
    to: next,
    reason: why,
  });
  return true;
}

/**
 * Contract §3a: a shipment for a day whose plan is frozen that fits on no route without moving the
 * others is given up at once with the reason `after_cutoff` (the SCM gets shipment.unassigned).
 */
export async function leaveAfterCutoff(
  shipmentId: string,
  version: number,
  day: DayReplan,
  why: string,
  deps: BatchingDeps,
) {
  const state = await deps.store.get(shipmentId);
  if (state?.status !== 'OPTIMIZING' || state.version !== version) return;
  await giveUpShipment(
    state,
    `after_cutoff: the plan of ${day.serviceDate} is frozen (dispatch cutoff passed) and it fits on no route without moving the others (${why})`,
    deps,
  );
}

/**
 * A shipment the engine could not place goes to the next window, up to the configured number of
 * windows in a row; then it is given up (giveUpShipment: STALE with the reason, shipment.unassigned
 * to the SCM, the ShipmentsUnassigned alarm).
 */
export async function leaveUnassigned(
  shipmentId: string,
  version: number,
  reason: string,
  deps: BatchingDeps,
) {
  const state = await deps.store.get(shipmentId);
  if (state?.status !== 'OPTIMIZING' || state.version !== version) return;
  const windows = (state.unassignedWindows ?? 0) + 1;
  if (windows >= deps.settings.maxUnassignedWindows) {
    await giveUpShipment(state, `unassigned (${reason}) in ${windows} windows: needs attention`, deps, {
      unassignedWindows: windows,
    });
    return;
  }
  await requeueForNextWindow(
    state,
    { statusReason: `unassigned (${reason}): re-queued for the next window`, unassignedWindows: windows },
    deps,
  );
}

/**
 * A shipment that was in a day's plan (the SCM has its assignment) and that a re-plan could not keep
 * (its day became infeasible for it: time went on, a vehicle left) is given up visibly: STALE with
 * the reason, `shipment.unassigned` to the SCM (it withdraws the assignment the SCM holds), the
 * alarm. A newer SCM version re-queues it. Nothing when it moved on meanwhile.
 */
export async function withdrawDropped(
  shipmentId: string,
  reason: string,
  day: DayReplan,
  deps: BatchingDeps,
) {
  const state = await deps.store.get(shipmentId);
  if (!state || state.version !== day.versions.get(shipmentId) || !state.route) return;
  await giveUpShipment(
    state,
    `re-planned (plan ${day.serviceDate} revision ${day.revision}): it no longer fits in the plan (${reason}); its assignment is withdrawn`,
    deps,
  );
}
