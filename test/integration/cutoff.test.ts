import { describe, expect, it } from 'vitest';
import { freezeDuePlans } from '../../shared/domain/batching/cutoff';
import { optimizeWindow } from '../../shared/domain/batching/optimize-window';
import { closeDueWindows, enqueueShipment } from '../../shared/domain/batching/windows';
import { detailOf as announce } from '../../shared/domain/use-cases/recovery';
import { submitShipment } from '../../shared/domain/use-cases/shipments';
import { FleetConfig } from '../../shared/schemas/batching';
import { ROUTE_UPDATED, SHIPMENT_UNASSIGNED } from '../../shared/schemas/events';
import type { ShipmentBody } from '../../shared/schemas/shipment';
import type { RoutingPlan } from '../../shared/solver';
import { sampleShipment } from '../support/arbitraries';
import { batchingDeps } from '../support/batching-deps';
import { dynamoForSuite } from '../support/dynamo';

/**
 * Contract §3a, the dispatch cutoff: the plan freezes, each of its shipments gets one final
 * callback (once, whatever the number of ticks or restarts), and a shipment for that day after the
 * cutoff is inserted without moving the others or given up `after_cutoff` with the SCM told.
 */
const dynamo = dynamoForSuite();

/** Thursday 26 November 2026, 14:00 in Stockholm; tomorrow's plan freezes today at 20:00 local. */
const TODAY_1400 = Date.parse('2026-11-26T13:00:00Z');
const CUTOFF = Date.parse('2026-11-26T19:00:00Z');
const TOMORROW = '2026-11-27';
const DEPOT = { id: 'D', lat: 59.3, lon: 18.0 };
const fleet = (region: string) =>
  FleetConfig.parse({
    calendar: { timeZone: 'Europe/Stockholm' },
    regions: {
      [region]: {
        depots: [DEPOT],
        vehicles: [{ id: 'V', depotId: 'D', capacityWeightKg: 100, shiftStart: '07:00', shiftEnd: '17:00' }],
      },
    },
  });
const body = (region: string, id: string, weightKg: number, lon: number): ShipmentBody =>
  sampleShipment({
    shipmentId: `${region}-${id}`,
    region,
    origin: { depotId: DEPOT.id, lat: DEPOT.lat, lon: DEPOT.lon },
    destination: { lat: 59.33, lon },
    timeWindow: { start: '2026-11-27T07:00:00Z', end: '2026-11-27T15:00:00Z' },
    weightKg,
    volumeM3: undefined,
  });

describe('the dispatch cutoff (contract §3a)', () => {
  it('freezes the plan and sends each shipment one final callback, across two ticks and a restart; a late shipment is inserted or left after_cutoff with the SCM told', async () => {
    const region = 'co-day';
    const h = batchingDeps(dynamo.client, { fleet: fleet(region) });
    h.deps.settings = { ...h.deps.settings, batchBudgetMs: 300 };
    await h.clock.advance(TODAY_1400 - h.clock.now());
    const window = async (bodies: ShipmentBody[]) => {
      for (const b of bodies) {
        const { state } = await submitShipment({ body: b, correlationId: 'c', mode: 'create' }, h.deps);
        await enqueueShipment(
          announce(state, `evt-${state.shipmentId}-${state.revision}`, state.updatedAt),
          h.deps,
        );
      }
      await h.clock.advance(600_000);
      await closeDueWindows(h.deps);
      const job = h.jobs.jobs.filter((j) => j.region === region).at(-1);
      if (!job) throw new Error('no job');
      const outcome = await optimizeWindow(job, h.deps);
      if (outcome.kind !== 'optimized') throw new Error(`not optimized: ${outcome.reason}`);
    };
    const finals = () =>
      h.publisher.published.filter((m) => m.detailType === ROUTE_UPDATED && m.detail.final === true);
    await window([body(region, 'A', 30, 18.05), body(region, 'B', 30, 18.1)]);
    // Before the cutoff a tick does nothing.
    expect(await freezeDuePlans(h.deps)).toEqual({ frozen: [], finals: 0 });

    await h.clock.advance(CUTOFF + 60_000 - h.clock.now());
    const first = await freezeDuePlans(h.deps);
    expect(first).toEqual({ frozen: [`${region}/${TOMORROW}@2`], finals: 2 });
    const plan = await h.deps.batches.getRegionPlan(region, TOMORROW);
    expect(plan?.frozenAt).toBeDefined();
    expect(
      finals()
        .map((m) => m.detail.shipmentId)
        .sort(),
    ).toEqual([`${region}-A`, `${region}-B`]);
    for (const id of ['A', 'B']) {
      const state = await h.deps.store.get(`${region}-${id}`);
      expect(state?.route).toMatchObject({ final: true, planRevision: 2, vehicleId: 'V' });
      expect(state?.status).toBe('OPTIMIZED');
    }
    // A second tick, and a restarted process (new stores on the same tables): nothing more.
    expect(await freezeDuePlans(h.deps)).toEqual({ frozen: [], finals: 0 });
    const restarted = batchingDeps(dynamo.client, { fleet: fleet(region) });
    await restarted.clock.advance(h.clock.now() - restarted.clock.now());
    expect(await freezeDuePlans(restarted.deps)).toEqual({ frozen: [], finals: 0 });
    expect(finals()).toHaveLength(2);

    // After the cutoff: one that fits is inserted without moving the others, final at once.
    const before = (((plan?.plan ?? { routes: [] }) as RoutingPlan).routes[0]?.stops ?? []).map(
      (s) => s.shipmentId,
    );
    await window([body(region, 'LATE', 20, 18.07)]);
    const late = await h.deps.store.get(`${region}-LATE`);
    expect(late?.status).toBe('OPTIMIZED');
    expect(late?.route).toMatchObject({ final: true, planRevision: 3, vehicleId: 'V' });
    const after = await h.deps.batches.getRegionPlan(region, TOMORROW);
    expect(after?.frozenAt).toBe(plan?.frozenAt);
    const order = (((after?.plan ?? { routes: [] }) as RoutingPlan).routes[0]?.stops ?? []).map(
      (s) => s.shipmentId,
    );
    expect(order.filter((id) => id !== `${region}-LATE`)).toEqual(before);
    expect(h.publisher.published.filter((m) => m.detailType === ROUTE_UPDATED)).toHaveLength(2);
    expect(await freezeDuePlans(h.deps)).toEqual({ frozen: [], finals: 0 });

    // One that does not fit (capacity) is left unassigned after_cutoff, and the SCM is told.
    await window([body(region, 'TOO-LATE', 50, 18.02)]);
    const left = await h.deps.store.get(`${region}-TOO-LATE`);
    expect(left?.status).toBe('STALE');
    expect(left?.statusReason).toMatch(/^after_cutoff: /);
    const notice = h.publisher.published.find(
      (m) => m.detailType === SHIPMENT_UNASSIGNED && m.detail.shipmentId === `${region}-TOO-LATE`,
    );
    expect(notice?.detail).toMatchObject({ planRevision: 4 });
    expect(String(notice?.detail.reason)).toMatch(/^after_cutoff: /);

    // ECONOMY without a window, due on the frozen Friday, that does not fit: it moves to Monday
    // (the next working day) instead of being given up.
    const economy = { ...body(region, 'ECO', 50, 18.03), serviceLevel: 'ECONOMY' as const };
    delete economy.timeWindow;
    await window([economy]);
    const moved = await h.deps.store.get(`${region}-ECO`);
    expect(moved?.status).toBe('QUEUED');
    expect(moved?.serviceDate).toBe('2026-11-30');
    expect(moved?.statusReason).toMatch(
      /^economy: the plan of 2026-11-27 is full \(\w+\); moved to 2026-11-30/,
    );
    expect(
      h.publisher.published.some(
        (m) => m.detailType === SHIPMENT_UNASSIGNED && m.detail.shipmentId === `${region}-ECO`,
      ),
    ).toBe(false);
  });
});
