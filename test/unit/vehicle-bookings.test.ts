import { describe, expect, it } from 'vitest';
import { constrainToBookings } from '../../shared/domain/batching/bookings';
import type { FleetBookings } from '../../shared/schemas/batching';
import type { PlannedRoute, RoutingInput, RoutingPlan, VehicleInput } from '../../shared/solver';

const vehicle = (id: string, extra: Partial<VehicleInput> = {}): VehicleInput => ({
  id,
  startDepotId: 'D',
  capacityWeightKg: 1000,
  shiftStart: 1_000,
  shiftEnd: 10_000,
  fixedCost: 0,
  costPerKm: 1,
  costPerHour: 0,
  ...extra,
});
const bookings = (vehicles: FleetBookings['vehicles']): FleetBookings => ({
  region: 'r',
  revision: 3,
  vehicles,
});
const route = (vehicleId: string, start: number, end: number): PlannedRoute => ({
  vehicleId,
  stops: [{ shipmentId: `S-${vehicleId}`, arrival: start + 10, departure: start + 20 }],
  distanceMeters: 1,
  durationSeconds: end - start,
  cost: 1,
  start,
  end,
});

describe('constrainToBookings (URGENT insertion into the region plan)', () => {
  const input: RoutingInput = {
    depots: [{ id: 'D', location: { lat: 0, lon: 0 } }],
    vehicles: [vehicle('A'), vehicle('B'), vehicle('C'), vehicle('E')],
    shipments: [],
    planningStart: 1_000,
  };
  const plan: RoutingPlan = {
    routes: [route('A', 1_000, 3_000), route('B', 1_000, 2_000), { ...route('C', 0, 0), stops: [] }],
    unassigned: [],
    distanceMeters: 2,
    durationSeconds: 3_000,
    vehiclesUsed: 2,
    cost: 2,
  };

  it('keeps a route extendable unless its vehicle was booked after it; idle vehicles start when free', () => {
    const out = constrainToBookings(
      input,
      plan,
      bookings({
        A: { until: 3_000, previous: 0, batchId: 'this plan' },
        B: { until: 6_000, previous: 2_000, batchId: 'a later window' },
        C: { until: 10_000, previous: 0, batchId: 'out all shift' },
        E: { until: 5_000, previous: 0, batchId: 'another plan' },
      }),
    );
    const byId = new Map(out.input.vehicles.map((v) => [v.id, v]));
    expect(byId.get('A')).toMatchObject({ shiftStart: 1_000, shiftEnd: 10_000 });
    expect(byId.get('B')).toMatchObject({ shiftStart: 1_000, shiftEnd: 2_000 });
    expect(byId.has('C')).toBe(false);
    expect(byId.get('E')).toMatchObject({ shiftStart: 5_000 });
    // The idle vehicle left out also leaves the plan; every stop stays where it was.
    expect(out.plan.routes.map((r) => r.vehicleId)).toEqual(['A', 'B']);
  });
});
