import type { FleetBookings, VehicleBooking } from '../../schemas/batching';
import type { PlannedRoute, RoutingInput, RoutingPlan, VehicleInput } from '../../solver';
import { ConcurrencyConflictError, InternalError } from '../errors';
import { ownEntry, withOwnEntry } from '../lookup';
import type { BatchingDeps } from './batching-deps';
import { regionFleet } from './fleet';

/**
 * Vehicle bookings of a region with a configured fleet (ADR 0004), per service date: a vehicle
 * works one shift a day, so bookings on different dates never overlap. Each window is planned with the
 * region's vehicles, so without bookings the next window (or the other priority's window, or an
 * URGENT insertion) could give a vehicle a second route while it is still out on its first. A
 * booking says until when a vehicle is out; a later plan may use it only from then on. The default
 * fleet (no configuration for the region) is a template of notional vehicles per window and is not
 * booked.
 */
export function tracksBookings(region: string, deps: Pick<BatchingDeps, 'fleet'>): boolean {
  return regionFleet(deps.fleet, region)?.vehicles !== undefined;
}

/** Until when a route keeps its vehicle: its return, or the whole shift when it ends at another depot. */
function busyUntil(route: PlannedRoute, vehicle: VehicleInput): number {
  return vehicle.endDepotId && vehicle.endDepotId !== vehicle.startDepotId ? vehicle.shiftEnd : route.end;
}

/**
 * The region plan as the bookings allow now, for an URGENT insertion: a vehicle without a route in
 * the plan starts when it is free again (and is left out when its shift is over); a vehicle whose
 * route in the plan was followed by a later booking may not run past that route's end.
 */
export function constrainToBookings(
  input: RoutingInput,
  plan: RoutingPlan,
  bookings: FleetBookings,
): { input: RoutingInput; plan: RoutingPlan } {
  const routeOf = new Map(plan.routes.filter((r) => r.stops.length > 0).map((r) => [r.vehicleId, r]));
  const vehicles = input.vehicles.flatMap((v) => {
    const booking = ownEntry(bookings.vehicles, v.id);
    if (!booking) return [v];
    const route = routeOf.get(v.id);
    if (!route) {
      const start = Math.max(v.shiftStart, booking.until);
      return start < v.shiftEnd ? [{ ...v, shiftStart: start }] : [];
    }
    return booking.until > busyUntil(route, v) ? [{ ...v, shiftEnd: Math.min(v.shiftEnd, route.end) }] : [v];
  });
  const kept = new Set(vehicles.map((v) => v.id));
  return {
    input: { ...input, vehicles },
    plan: { ...plan, routes: plan.routes.filter((r) => kept.has(r.vehicleId)) },
  };
}

/**
 * Books the vehicles of the routes an URGENT insertion lengthened or created (its repair may change
 * more than one route). Extending a vehicle's route of the plan the insertion started from is
 * allowed as long as nobody booked the vehicle after that route. False when a vehicle was booked
 * meanwhile: plan the insertion again.
 */
export async function bookInsertion(
  region: string,
  serviceDate: string,
  batchId: string,
  before: RoutingPlan,
  after: RoutingPlan,
  vehicles: readonly VehicleInput[],
  deps: Pick<BatchingDeps, 'batches'>,
): Promise<boolean> {
  const byId = new Map(vehicles.map((v) => [v.id, v]));
  const previous = new Map(before.routes.filter((r) => r.stops.length > 0).map((r) => [r.vehicleId, r]));
  const changed = after.routes.filter((r) => {
    if (r.stops.length === 0) return false;
    const old = previous.get(r.vehicleId);
    return !old || r.end > old.end;
  });
  if (changed.length === 0) return true;
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await deps.batches.getBookings(region, serviceDate);
    const next: FleetBookings = {
      region,
      serviceDate,
      revision: current.revision + 1,
      vehicles: current.vehicles,
    };
    for (const route of changed) {
      const vehicle = byId.get(route.vehicleId);
      if (!vehicle)
        throw new InternalError(`a route names vehicle ${route.vehicleId}, which the fleet does not have`);
      const booking = ownEntry(current.vehicles, vehicle.id);
      const old = previous.get(vehicle.id);
      const allowedUntil = old ? Math.max(route.start, busyUntil(old, vehicle)) : route.start;
      if (booking && booking.until > allowedUntil) return false;
      next.vehicles = withOwnEntry<VehicleBooking>(next.vehicles, vehicle.id, {
        until: Math.max(booking?.until ?? 0, busyUntil(route, vehicle)),
        previous: booking?.until ?? 0,
        batchId,
      });
    }
    if (await deps.batches.putBookings(next)) return true;
  }
  throw new ConcurrencyConflictError(`vehicle bookings of ${region} on ${serviceDate} kept changing`);
}
