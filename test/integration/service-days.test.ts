import { describe, expect, it } from 'vitest';
import { acceptShipment } from '../../shared/domain/batching/accept-shipment';
import { optimizeWindow } from '../../shared/domain/batching/optimize-window';
import { closeDueWindows, enqueueShipment } from '../../shared/domain/batching/windows';
import { ValidationError } from '../../shared/domain/errors';
import { detailOf as announce } from '../../shared/domain/use-cases/recovery';
import { submitShipment } from '../../shared/domain/use-cases/shipments';
import { httpStatusOf } from '../../shared/runtime/http/problem';
import { type BatchRecord, FleetConfig, type RouteRecord } from '../../shared/schemas/batching';
import type { ShipmentBody } from '../../shared/schemas/shipment';
import type { ShipmentState } from '../../shared/schemas/state';
import { sampleShipment } from '../support/arbitraries';
import { batchingDeps } from '../support/batching-deps';
import { dynamoForSuite } from '../support/dynamo';

const dynamo = dynamoForSuite();

/**
 * Issue 10: a NEXT_DAY shipment whose window is tomorrow was never planned, because every window
 * planned vehicles leaving now. The virtual clock starts on Thursday 26 November 2026; these tests
 * move it to 13:00 UTC (14:00 in Stockholm).
 */
const TODAY_1400_STOCKHOLM = Date.parse('2026-11-26T13:00:00Z');
const TOMORROW = '2026-11-27';
/** Tomorrow 08:00-16:00 in Stockholm (CET, UTC+1). */
const tomorrowWindow = { start: '2026-11-27T07:00:00Z', end: '2026-11-27T15:00:00Z' };

const stockholmFleet = (region: string) =>
  FleetConfig.parse({
    calendar: { timeZone: 'Europe/Stockholm' },
    regions: {
      [region]: {
        depots: [{ id: 'DEPOT-1', lat: 59.33, lon: 18.06 }],
        vehicles: [
          { id: 'V1', depotId: 'DEPOT-1', capacityWeightKg: 1000, shiftStart: '07:00', shiftEnd: '17:00' },
        ],
      },
    },
  });

const detailOf = (s: ShipmentState) => announce(s, `evt-${s.shipmentId}-${s.revision}`, s.updatedAt);

let seq = 0;
function shipment(region: string, overrides: Partial<ShipmentBody> = {}): ShipmentBody {
  seq++;
  return sampleShipment({
    shipmentId: `SD-${region}-${seq}`,
    region,
    serviceLevel: 'NEXT_DAY',
    timeWindow: tomorrowWindow,
    destination: { lat: 59.3 + (seq % 7) * 0.02, lon: 18.0 + (seq % 5) * 0.02 },
    ...overrides,
  });
}

type Harness = ReturnType<typeof batchingDeps>;

async function harness(fleet?: FleetConfig): Promise<Harness> {
  const h = batchingDeps(dynamo.client, fleet ? { fleet } : {});
  await h.clock.advance(TODAY_1400_STOCKHOLM - h.clock.now());
  return h;
}

/** Submits the shipments, lets their window close and optimizes it. */
async function planWindow(h: Harness, region: string, bodies: ShipmentBody[]): Promise<BatchRecord> {
  for (const body of bodies) {
    const { state } = await submitShipment({ body, correlationId: 'c', mode: 'create' }, h.deps);
    await enqueueShipment(detailOf(state), h.deps);
  }
  await h.clock.advance(600_000);
  await closeDueWindows(h.deps);
  const job = h.jobs.jobs.filter((j) => j.region === region).at(-1);
  if (!job) throw new Error('no job');
  const outcome = await optimizeWindow(job, h.deps);
  if (outcome.kind !== 'optimized') throw new Error(`not optimized: ${outcome.reason}`);
  return outcome.batch;
}

async function routesOf(h: Harness, batch: BatchRecord): Promise<RouteRecord[]> {
  const routes = await Promise.all(batch.routeIds.map((id) => h.deps.batches.getRoute(id)));
  return routes.filter((r): r is RouteRecord => r !== undefined);
}

describe('service dates in batching (contract §3a)', () => {
  it('plans a NEXT_DAY shipment with tomorrow 08:00-16:00 local on tomorrow’s shift (OPTIMIZED)', async () => {
    const region = 'sd-stockholm';
    const h = await harness(stockholmFleet(region));
    const bodies = [shipment(region), shipment(region), shipment(region)];
    const batch = await planWindow(h, region, bodies);
    expect(batch.serviceDates).toEqual([TOMORROW]);
    expect(batch.optimized).toBe(3);
    const [route] = await routesOf(h, batch);
    // V1's shift tomorrow starts at 07:00 in Stockholm (06:00 UTC), not at the planning time.
    expect(Date.parse(route?.start ?? '')).toBeGreaterThanOrEqual(Date.parse('2026-11-27T06:00:00Z'));
    expect(Date.parse(route?.end ?? '')).toBeLessThanOrEqual(Date.parse('2026-11-27T16:00:00Z'));
    for (const body of bodies) {
      const state = await h.deps.store.get(body.shipmentId);
      expect(state?.status).toBe('OPTIMIZED');
      expect(state?.serviceDate).toBe(TOMORROW);
      const eta = Date.parse(state?.route?.eta ?? '');
      expect(eta).toBeLessThanOrEqual(Date.parse(tomorrowWindow.end));
    }
    // The plan of the region is tomorrow's; today's is untouched.
    expect((await h.deps.batches.getRegionPlan(region, TOMORROW))?.serviceDate).toBe(TOMORROW);
    expect(await h.deps.batches.getRegionPlan(region, '2026-11-26')).toBeUndefined();
  });

  it('plans it with the default fleet too (a region without configuration works the service date)', async () => {
    const region = 'sd-default';
    const h = await harness();
    const body = shipment(region);
    const batch = await planWindow(h, region, [body]);
    expect(batch.unassigned).toEqual([]);
    expect((await h.deps.store.get(body.shipmentId))?.status).toBe('OPTIMIZED');
  });

  it('plans each service date of one window apart: one vehicle drives today and tomorrow', async () => {
    const region = 'sd-mixed';
    const h = await harness(stockholmFleet(region));
    const today = shipment(region, {
      serviceLevel: 'SAME_DAY',
      priority: 'STANDARD',
      timeWindow: { start: '2026-11-26T13:00:00Z', end: '2026-11-26T15:30:00Z' },
    });
    const tomorrow = [shipment(region), shipment(region)];
    const batch = await planWindow(h, region, [today, ...tomorrow]);
    expect(batch.serviceDates).toEqual(['2026-11-26', TOMORROW]);
    expect(batch.optimized).toBe(3);
    const routes = await routesOf(h, batch);
    expect(routes.map((r) => r.vehicleId)).toEqual(['V1', 'V1']);
    expect((await h.deps.store.get(today.shipmentId))?.serviceDate).toBe('2026-11-26');
    // Bookings are per date: tomorrow's route does not keep V1 from today's.
    expect((await h.deps.batches.getBookings(region, '2026-11-26')).vehicles.V1?.until).toBe(
      Date.parse(routes[0]?.end ?? '') / 1000,
    );
    expect((await h.deps.batches.getBookings(region, TOMORROW)).vehicles.V1?.until).toBe(
      Date.parse(routes[1]?.end ?? '') / 1000,
    );
  });

  it('inserts a SAME_DAY (URGENT) shipment with tomorrow’s window into tomorrow’s plan in real time', async () => {
    const region = 'sd-urgent';
    const h = await harness(stockholmFleet(region));
    const body = shipment(region, { serviceLevel: 'SAME_DAY' });
    const result = await acceptShipment({ body, correlationId: 'c', mode: 'create' }, h.deps);
    expect(result.realtime?.kind).toBe('optimized');
    expect(result.state.status).toBe('OPTIMIZED');
    expect(result.state.serviceDate).toBe(TOMORROW);
    expect((await h.deps.batches.getRegionPlan(region, TOMORROW))?.revision).toBe(1);
  });

  it('stores nothing for a window that has ended or starts beyond the horizon: a 400 naming the field', async () => {
    const region = 'sd-reject';
    const h = await harness(stockholmFleet(region));
    const cases: [Partial<ShipmentBody>, string][] = [
      [{ timeWindow: { start: '2026-11-26T08:00:00Z', end: '2026-11-26T12:00:00Z' } }, 'timeWindow.end'],
      [{ timeWindow: { start: '2026-12-11T08:00:00Z', end: '2026-12-11T12:00:00Z' } }, 'timeWindow.start'],
    ];
    for (const [overrides, field] of cases) {
      const body = shipment(region, overrides);
      const error = await acceptShipment({ body, correlationId: 'c', mode: 'create' }, h.deps).catch(
        (e) => e,
      );
      expect(error).toBeInstanceOf(ValidationError);
      expect(httpStatusOf(error as ValidationError)).toBe(400);
      expect((error as ValidationError).errors.map((e) => e.field)).toEqual([field]);
      expect(await h.deps.store.get(body.shipmentId)).toBeUndefined();
    }
    // A configured horizon: 30 days accepts 11 December.
    const wide = await harness(FleetConfig.parse({ planningHorizonDays: 30 }));
    const later = shipment(region, {
      timeWindow: { start: '2026-12-11T08:00:00Z', end: '2026-12-11T12:00:00Z' },
    });
    const accepted = await submitShipment({ body: later, correlationId: 'c', mode: 'create' }, wide.deps);
    expect(accepted.state.serviceDate).toBe('2026-12-11');
  });
});
