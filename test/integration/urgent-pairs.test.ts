import { describe, expect, it } from 'vitest';
import { acceptShipment } from '../../shared/domain/batching/accept-shipment';
import { optimizeQueuedUrgent } from '../../shared/domain/batching/urgent-queue';
import { FleetConfig } from '../../shared/schemas/batching';
import { SHIPMENT_UNASSIGNED } from '../../shared/schemas/events';
import type { ShipmentBody } from '../../shared/schemas/shipment';
import type { RoutingPlan } from '../../shared/solver';
import { sampleShipment } from '../support/arbitraries';
import { batchingDeps } from '../support/batching-deps';
import { dynamoForSuite } from '../support/dynamo';

const dynamo = dynamoForSuite();

const urgent = (region: string, id: string, i: number, overrides: Partial<ShipmentBody> = {}) =>
  sampleShipment({
    shipmentId: id,
    serviceLevel: 'SAME_DAY',
    region,
    timeWindow: undefined,
    destination: { lat: 59.3 + (i % 9) * 0.01, lon: 18.0 + (i % 7) * 0.01 },
    ...overrides,
  });

describe('URGENT shipments from one depot', () => {
  it('40 SAME_DAY sent as concurrent pairs are all placed: they share vehicles instead of using up the default fleet', async () => {
    const region = 'urgent-pairs';
    const { deps, clock } = batchingDeps(dynamo.client);
    const outcomes: string[] = [];
    for (let pair = 0; pair < 20; pair++) {
      const results = await Promise.all(
        [0, 1].map((k) =>
          acceptShipment(
            {
              body: urgent(region, `U-${pair}-${k}`, pair * 2 + k),
              correlationId: `c-${pair}-${k}`,
              mode: 'create',
            },
            deps,
          ),
        ),
      );
      for (const r of results) outcomes.push(`${r.state.shipmentId} ${r.realtime?.kind} ${r.state.status}`);
      await clock.advance(5_000);
    }
    expect(outcomes.filter((o) => !o.endsWith('optimized OPTIMIZED'))).toEqual([]);
    const plan = (await deps.batches.getRegionPlan(region, '2026-11-26'))?.plan as RoutingPlan | undefined;
    const used = plan?.routes.filter((r) => r.stops.length > 0) ?? [];
    expect(used.flatMap((r) => r.stops)).toHaveLength(40);
    // The default fleet has 10 vehicles at the depot; one each ran out after the 10th.
    expect(used.length).toBeLessThan(10);
  });

  it('a vehicle whose route has left takes a new route of its own once it is back: a small depot places SAME_DAY shipments all day', async () => {
    const region = 'urgent-trips';
    // Two vehicles at the depot: without reuse, the third route of the day found no vehicle.
    const fleet = FleetConfig.parse({ defaults: { vehiclesPerDepot: 2 } });
    const { deps, clock } = batchingDeps(dynamo.client, { fleet });
    const placed: { id: string; routeId: string; vehicleId: string }[] = [];
    for (let i = 0; i < 6; i++) {
      const id = `T-${i}`;
      const r = await acceptShipment(
        { body: urgent(region, id, i), correlationId: `c-${i}`, mode: 'create' },
        deps,
      );
      expect(`${id} ${r.realtime?.kind}`).toBe(`${id} optimized`);
      const route = r.state.route!;
      placed.push({ id, routeId: route.routeId, vehicleId: route.vehicleId });
      // Past its dispatch lead (5 min) and back at the depot well within 3 hours.
      await clock.advance(3 * 3_600_000);
    }
    // Six routes, one at a time on two vehicles: every route id is its own.
    expect(new Set(placed.map((p) => p.routeId)).size).toBe(6);
    expect(new Set(placed.map((p) => p.vehicleId)).size).toBeLessThanOrEqual(2);
    const plan = await deps.batches.getRegionPlan(region, '2026-11-26');
    expect(plan?.dispatched?.map((d) => d.routeId).sort()).toEqual(
      placed
        .slice(0, 5)
        .map((p) => p.routeId)
        .sort(),
    );
    // A vehicle never has two routes at once, and each departed route still shows its own stop.
    const byVehicle = new Map<string, { start: number; end: number }[]>();
    for (const d of plan?.dispatched ?? [])
      byVehicle.set(d.vehicleId, [...(byVehicle.get(d.vehicleId) ?? []), d]);
    for (const trips of byVehicle.values()) {
      const sorted = trips.sort((a, b) => a.start - b.start);
      for (let k = 1; k < sorted.length; k++)
        expect(sorted[k]!.start).toBeGreaterThanOrEqual(sorted[k - 1]!.end);
    }
    for (const p of placed) {
      const record = await deps.batches.getRoute(p.routeId);
      expect(record?.stops.map((s) => s.shipmentId)).toEqual([p.id]);
    }
  });

  it('the p0 consumer retries one that fits nowhere, then on the last receive gives it up visibly instead of leaving it QUEUED', async () => {
    const region = 'urgent-heavy';
    const { deps, publisher } = batchingDeps(dynamo.client);
    const body = urgent(region, 'U-HEAVY-1', 1, { weightKg: 5000 });
    const accepted = await acceptShipment({ body, correlationId: 'c-heavy', mode: 'create' }, deps);
    expect(accepted.state.status).toBe('QUEUED');
    const detail = { shipmentId: body.shipmentId, version: 1 };
    for (let count = 1; count < 5; count++) {
      await expect(optimizeQueuedUrgent(detail, 2_000, deps, { count, max: 5 })).rejects.toThrow(
        /could not be placed \(capacity\)/,
      );
      expect((await deps.store.get(body.shipmentId))?.status).toBe('QUEUED');
    }
    const last = await optimizeQueuedUrgent(detail, 2_000, deps, { count: 5, max: 5 });
    expect(last.kind).toBe('given_up');
    const state = await deps.store.get(body.shipmentId);
    expect(state?.status).toBe('STALE');
    expect(state?.statusReason).toContain('not placed in 5 attempts');
    expect(state?.statusReason).toContain('capacity');
    const told = publisher.published.filter(
      (m) => m.detailType === SHIPMENT_UNASSIGNED && m.detail.shipmentId === body.shipmentId,
    );
    expect(told).toHaveLength(1);
    expect(told[0]?.detail).toMatchObject({
      version: 1,
      correlationId: 'c-heavy',
      reason: state?.statusReason,
    });
  });
});
