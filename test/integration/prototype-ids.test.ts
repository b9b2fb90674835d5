import { describe, expect, it } from 'vitest';
import { acceptShipment } from '../../shared/domain/batching/accept-shipment';
import { optimizeWindow } from '../../shared/domain/batching/optimize-window';
import { closeDueWindows, enqueueShipment } from '../../shared/domain/batching/windows';
import { detailOf } from '../../shared/domain/use-cases/recovery';
import { submitShipment } from '../../shared/domain/use-cases/shipments';
import { FleetConfig } from '../../shared/schemas/batching';
import type { ShipmentBody } from '../../shared/schemas/shipment';
import { sampleShipment } from '../support/arbitraries';
import { batchingDeps } from '../support/batching-deps';
import { dynamoForSuite } from '../support/dynamo';

/**
 * Ids are data: a region, depot, shipment or vehicle may be called like a member of
 * Object.prototype. Such a shipment is planned like any other, through the real use cases on
 * dynalite (a region `constructor` used to crash the fleet lookup: SAME_DAY 500 and left OPTIMIZING,
 * NEXT_DAY failing every batch on `reading 'filter'`).
 */
const NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'] as const;

const dynamo = dynamoForSuite();

/** A configured region that is not the one under test, so `regions` is not empty. */
const otherRegion = {
  'eu-north': {
    depots: [{ id: 'DEPOT-1', lat: 59.33, lon: 18.06 }],
    vehicles: [
      { id: 'V1', depotId: 'DEPOT-1', capacityWeightKg: 1200, shiftStart: '00:00', shiftEnd: '23:59' },
    ],
  },
};

let seq = 0;
const idUsed = new Set<string>();
function body(name: string, overrides: Partial<ShipmentBody> = {}): ShipmentBody {
  seq++;
  // The first shipment of each name has the name as its id too.
  const shipmentId = idUsed.has(name) ? `${name}-${seq}` : name;
  idUsed.add(name);
  return sampleShipment({
    shipmentId,
    region: name,
    origin: { depotId: name, lat: 59.33, lon: 18.06 },
    destination: { lat: 59.3 + (seq % 7) * 0.01, lon: 18.0 + (seq % 5) * 0.01 },
    timeWindow: undefined,
    ...overrides,
  });
}

describe.each(NAMES)('region, depot and shipment id %s', (name) => {
  it.each([
    ['the default fleet', FleetConfig.parse({})],
    ['a fleet configured for other regions only', FleetConfig.parse({ regions: otherRegion })],
  ])('SAME_DAY is optimized in real time with %s', async (_fleetName, fleet) => {
    const { deps } = batchingDeps(dynamo.client, { fleet });
    const shipment = body(name, { serviceLevel: 'SAME_DAY' });
    const result = await acceptShipment({ body: shipment, correlationId: `c-${name}`, mode: 'create' }, deps);
    expect(result.realtime?.kind).toBe('optimized');
    const state = await deps.store.get(shipment.shipmentId);
    expect(state?.status).toBe('OPTIMIZED');
    expect(state?.region).toBe(name);
    // The default fleet's vehicles at the depot the shipment names.
    expect(state?.route?.vehicleId).toMatch(new RegExp(`^${name}-V\\d+$`));
  });

  it('NEXT_DAY is collected in its window and optimized with the others', async () => {
    const { deps, jobs, clock } = batchingDeps(dynamo.client, {
      fleet: FleetConfig.parse({ regions: otherRegion }),
    });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { state } = await submitShipment(
        {
          body: body(name, { serviceLevel: 'NEXT_DAY', region: `${name}` }),
          correlationId: 'c',
          mode: 'create',
        },
        deps,
      );
      ids.push(state.shipmentId);
      expect(
        (await enqueueShipment(detailOf(state, `e-${state.shipmentId}`, state.updatedAt), deps)).kind,
      ).toBe('added');
    }
    await clock.advance(600_000);
    await closeDueWindows(deps);
    const job = jobs.jobs.find((j) => j.region === name);
    if (!job) throw new Error(`no job for region ${name}`);
    const outcome = await optimizeWindow(job, deps);
    expect(outcome.kind).toBe('optimized');
    for (const id of ids) expect((await deps.store.get(id))?.status).toBe('OPTIMIZED');
  });
});

describe.each([...NAMES.filter((n) => n !== '__proto__'), 'plain'])(
  'a configured region and vehicle named %s',
  (name) => {
    // Its own storage: the region's plan of the default-fleet cases above is not this fleet's.
    const own = dynamoForSuite();

    it('plans with its own fleet and books its vehicle', async () => {
      const fleet = FleetConfig.parse({
        regions: {
          [name]: {
            depots: [{ id: name, lat: 59.33, lon: 18.06 }],
            vehicles: [
              { id: name, depotId: name, capacityWeightKg: 1200, shiftStart: '00:00', shiftEnd: '23:59' },
            ],
          },
        },
      });
      const region = name;
      const { deps, jobs, clock } = batchingDeps(own.client, { fleet });
      const first = body(name, { region, serviceLevel: 'SAME_DAY', shipmentId: `cfg-${name}-1` });
      const result = await acceptShipment({ body: first, correlationId: 'c', mode: 'create' }, deps);
      expect(result.realtime?.kind).toBe('optimized');
      expect((await deps.store.get(first.shipmentId))?.route?.vehicleId).toBe(name);
      const serviceDate = (await deps.store.get(first.shipmentId))?.serviceDate ?? '';
      const bookings = await deps.batches.getBookings(region, serviceDate);
      expect(Object.hasOwn(bookings.vehicles, name)).toBe(true);
      expect(typeof bookings.vehicles[name]?.until).toBe('number');
      // A STANDARD shipment of the same service date is then planned in a window on the same
      // vehicle, after its booking (read back as the vehicle's own entry, not an inherited member).
      const { state } = await submitShipment(
        {
          body: body(name, {
            region,
            serviceLevel: 'SAME_DAY',
            priority: 'STANDARD',
            shipmentId: `cfg-${name}-2`,
          }),
          correlationId: 'c',
          mode: 'create',
        },
        deps,
      );
      await enqueueShipment(detailOf(state, `e-${state.shipmentId}`, state.updatedAt), deps);
      await clock.advance(600_000);
      await closeDueWindows(deps);
      const job = jobs.jobs.find((j) => j.region === region);
      if (!job) throw new Error(`no job for region ${region}`);
      expect((await optimizeWindow(job, deps)).kind).toBe('optimized');
      const planned = await deps.store.get(state.shipmentId);
      expect(planned?.status).toBe('OPTIMIZED');
      expect(planned?.route?.vehicleId).toBe(name);
      expect(Date.parse(planned?.route?.eta ?? '')).toBeGreaterThan(
        (bookings.vehicles[name]?.until ?? 0) * 1000,
      );
    });
  },
);
