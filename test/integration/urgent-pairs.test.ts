import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptShipment } from '../../shared/domain/batching/accept-shipment';
import { optimizeQueuedUrgent } from '../../shared/domain/batching/urgent-queue';
import { SHIPMENT_UNASSIGNED } from '../../shared/schemas/events';
import type { ShipmentBody } from '../../shared/schemas/shipment';
import type { RoutingPlan } from '../../shared/solver';
import { sampleShipment } from '../support/arbitraries';
import { batchingDeps } from '../support/batching-deps';
import { dynamoOnLoopback } from '../support/dynamo';

let dynamo: Awaited<ReturnType<typeof dynamoOnLoopback>>;
beforeAll(async () => {
  dynamo = await dynamoOnLoopback();
});
afterAll(async () => {
  await dynamo.close();
});

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
