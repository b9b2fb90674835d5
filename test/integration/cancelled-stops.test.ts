import { describe, expect, it } from 'vitest';
import { dropCancelledStop } from '../../shared/domain/batching/cancelled-stops';
import { optimizeWindow } from '../../shared/domain/batching/optimize-window';
import { closeDueWindows, enqueueShipment } from '../../shared/domain/batching/windows';
import { detailOf } from '../../shared/domain/use-cases/recovery';
import { cancelShipment, submitShipment } from '../../shared/domain/use-cases/shipments';
import { FleetConfig } from '../../shared/schemas/batching';
import { ROUTE_OPTIMIZED, ROUTE_UPDATED } from '../../shared/schemas/events';
import type { ShipmentBody } from '../../shared/schemas/shipment';
import type { RoutingInput, RoutingPlan } from '../../shared/solver';
import { sampleShipment } from '../support/arbitraries';
import { batchingDeps } from '../support/batching-deps';
import { dynamoForSuite } from '../support/dynamo';

const dynamo = dynamoForSuite();

/** One window of the region with these shipments (one route, close together), optimized. */
async function planWindow(
  h: ReturnType<typeof batchingDeps>,
  region: string,
  ids: readonly string[],
  overrides: Partial<ShipmentBody> = {},
) {
  const { deps, jobs, clock } = h;
  for (const [i, shipmentId] of ids.entries()) {
    const body = sampleShipment({
      shipmentId,
      region,
      timeWindow: undefined,
      destination: { lat: 59.35 + i * 0.005, lon: 18.05 + i * 0.005 },
      ...overrides,
    });
    const { state } = await submitShipment({ body, correlationId: `c-${shipmentId}`, mode: 'create' }, deps);
    await enqueueShipment(detailOf(state, `evt-${shipmentId}`, state.updatedAt), deps);
  }
  await clock.advance(600_000);
  await closeDueWindows(deps);
  const job = jobs.jobs.find((j) => j.region === region);
  if (!job) throw new Error('no job');
  await optimizeWindow(job, deps);
}

describe('a cancelled shipment leaves its route', () => {
  it('drops its stop, numbers the others again in order with their ETAs, and tells each of the others its new assignment', async () => {
    const region = 'cancel-route-1';
    const h = batchingDeps(dynamo.client);
    const { deps, publisher } = h;
    const ids = ['CR-1', 'CR-2', 'CR-3', 'CR-4'];
    await planWindow(h, region, ids);
    const states = await Promise.all(ids.map((id) => deps.store.get(id)));
    const routeId = states[0]?.route?.routeId ?? '';
    expect(states.every((s) => s?.status === 'OPTIMIZED' && s.route?.routeId === routeId)).toBe(true);
    const before = await deps.batches.getRoute(routeId);
    const order = before?.stops.map((s) => s.shipmentId) ?? [];
    const victim = order[1] ?? '';

    await cancelShipment(
      { shipmentId: victim, body: { reason: 'customer' }, correlationId: 'c-cancel' },
      deps,
    );
    publisher.published.length = 0;
    const outcome = await dropCancelledStop({ shipmentId: victim }, deps);

    const after = await deps.batches.getRoute(routeId);
    expect(after?.stops.map((s) => s.shipmentId)).toEqual(order.filter((id) => id !== victim));
    expect(after?.stops.map((s) => s.sequence)).toEqual([1, 2, 3]);
    for (const stop of after?.stops ?? []) {
      expect(stop.eta).toBe(before?.stops.find((s) => s.shipmentId === stop.shipmentId)?.eta);
      const state = await deps.store.get(stop.shipmentId);
      expect(state?.route).toMatchObject({ routeId, sequence: stop.sequence, stops: 3 });
      expect(state?.status).toBe('OPTIMIZED');
    }
    // Every other shipment's stop count changed (4 → 3): each is told, with its new assignment.
    const told = publisher.published.filter((m) => m.detailType === ROUTE_UPDATED);
    expect(told.map((m) => m.detail.shipmentId).sort()).toEqual(order.filter((id) => id !== victim).sort());
    expect(outcome).toMatchObject({ kind: 'dropped', routeId });
    expect(told.find((m) => m.detail.shipmentId === order[2])?.detail).toMatchObject({
      sequence: 2,
      stops: 3,
      reason: expect.stringContaining(`${victim} was cancelled`),
    });
    const serviceDate = (await deps.store.get(victim))?.serviceDate ?? '';
    const plan = await deps.batches.getRegionPlan(region, serviceDate);
    expect(plan).toBeDefined();
    const planned = (plan?.plan as RoutingPlan | undefined)?.routes.flatMap((r) =>
      r.stops.map((s) => s.shipmentId),
    );
    expect(planned).not.toContain(victim);
    expect((plan?.input as RoutingInput | undefined)?.shipments.map((s) => s.id)).not.toContain(victim);

    // Again (a redelivered message): nothing changes, nobody is told twice.
    publisher.published.length = 0;
    await dropCancelledStop({ shipmentId: victim }, deps);
    expect(publisher.published.filter((m) => m.detailType === ROUTE_UPDATED)).toEqual([]);
    expect((await deps.batches.getRoute(routeId))?.stops).toHaveLength(3);
  });

  it('replan.callbacksBeforeCutoff false: the others keep their held assignments, renumbered, and nobody is told before the cutoff', async () => {
    const region = 'cancel-route-held';
    const h = batchingDeps(dynamo.client, {
      fleet: FleetConfig.parse({ replan: { callbacksBeforeCutoff: false } }),
    });
    const { deps, publisher } = h;
    const ids = ['CH-1', 'CH-2', 'CH-3'];
    // NEXT_DAY: Friday's plan, cutoff Thursday 20:00, still ahead.
    await planWindow(h, region, ids, { serviceLevel: 'NEXT_DAY' });
    const first = await deps.store.get('CH-1');
    expect(first?.route).toMatchObject({ held: true, serviceDate: '2026-11-27', stops: 3 });
    const routeId = first?.route?.routeId ?? '';
    const order = (await deps.batches.getRoute(routeId))?.stops.map((st) => st.shipmentId) ?? [];
    expect(order).toHaveLength(3);

    await cancelShipment(
      { shipmentId: order[0] ?? '', body: { reason: 'customer' }, correlationId: 'c' },
      deps,
    );
    await dropCancelledStop({ shipmentId: order[0] ?? '' }, deps);
    const mine = publisher.published.filter((m) => ids.includes(String(m.detail.shipmentId)));
    expect(mine.filter((m) => m.detailType === ROUTE_UPDATED || m.detailType === ROUTE_OPTIMIZED)).toEqual(
      [],
    );
    for (const [i, id] of order.slice(1).entries()) {
      const state = await deps.store.get(id);
      expect(state?.status).toBe('OPTIMIZED');
      expect(state?.route).toMatchObject({ routeId, sequence: i + 1, stops: 2, held: true });
    }
  });
});
