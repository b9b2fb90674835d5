import { describe, expect, it } from 'vitest';
import { constrainToBookings } from '../../shared/domain/batching/bookings';
import { depotsFor, regionFleet, toJob, vehiclesFor } from '../../shared/domain/batching/fleet';
import { ownEntry, setOwnEntry, withOwnEntry } from '../../shared/domain/lookup';
import { bodyHash } from '../../shared/domain/versioning';
import { loadFleetConfig } from '../../shared/runtime/fleet-config';
import { FleetConfig } from '../../shared/schemas/batching';
import type { ShipmentState } from '../../shared/schemas/state';
import { sampleShipment } from '../support/arbitraries';

const state = (
  overrides: Partial<ShipmentState['shipment']> = {},
  priority: ShipmentState['priority'] = 'STANDARD',
): ShipmentState => {
  const shipment = sampleShipment(overrides);
  return {
    shipmentId: shipment.shipmentId,
    version: 1,
    status: 'QUEUED',
    priority,
    region: shipment.region,
    shipment,
    bodyHash: bodyHash(shipment),
    correlationId: 'c',
    revision: 1,
    receivedAt: '2026-11-26T08:00:00.000Z',
    updatedAt: '2026-11-26T08:00:00.000Z',
  };
};
const at = (iso: string) => Date.parse(iso) / 1000;

describe('fleet (contract §3)', () => {
  it('gives a region without configuration the default fleet at every depot seen, working the whole service date', () => {
    const fleet = FleetConfig.parse({ defaults: { vehiclesPerDepot: 3, capacityWeightKg: 800 } });
    const states = [
      state({ origin: { depotId: 'A', lat: 59, lon: 18 } }),
      state({ origin: { depotId: 'B', lat: 58, lon: 17 } }),
    ];
    const depots = depotsFor('nowhere', states, fleet);
    expect(depots.map((d) => d.id)).toEqual(['A', 'B']);
    const now = at('2026-11-26T08:00:00Z');
    const vehicles = vehiclesFor('nowhere', depots, fleet, now, '2026-11-27');
    expect(vehicles).toHaveLength(6);
    expect(vehicles.filter((v) => v.startDepotId === 'B').map((v) => v.id)).toEqual(['B-V1', 'B-V2', 'B-V3']);
    // Tomorrow's shift, not "12 hours from now" (issue 10: tomorrow's windows were unreachable).
    expect(vehicles[0]).toMatchObject({
      capacityWeightKg: 800,
      shiftStart: at('2026-11-27T00:00:00Z'),
      shiftEnd: at('2026-11-28T00:00:00Z'),
    });
    // Today: from now until the end of the day.
    expect(vehiclesFor('nowhere', depots, fleet, now, '2026-11-26')[0]).toMatchObject({
      shiftStart: now,
      shiftEnd: at('2026-11-27T00:00:00Z'),
    });
    // shiftHours counts from the shift's start.
    const short = FleetConfig.parse({ defaults: { shiftStart: '07:00', shiftHours: 10 } });
    expect(vehiclesFor('nowhere', depots, short, now, '2026-11-27')[0]).toMatchObject({
      shiftStart: at('2026-11-27T07:00:00Z'),
      shiftEnd: at('2026-11-27T17:00:00Z'),
    });
  });

  it('uses the configured vehicles of a region with their shifts as local times on the service date', () => {
    const fleet = FleetConfig.parse({
      regions: {
        north: {
          depots: [{ id: 'D1', lat: 59, lon: 18 }],
          calendar: { timeZone: 'Europe/Stockholm' },
          vehicles: [
            {
              id: 'T1',
              depotId: 'D1',
              capacityWeightKg: 1500,
              shiftStart: '07:00',
              shiftEnd: '17:00',
              maxRouteHours: 8,
            },
            { id: 'N1', depotId: 'D1', capacityWeightKg: 900, shiftStart: '22:00', shiftEnd: '06:00' },
          ],
        },
      },
    });
    const depots = depotsFor('north', [], fleet);
    // 09:30 UTC is 10:30 in Stockholm (CET): the day shift has begun, it runs from now.
    const morning = vehiclesFor('north', depots, fleet, at('2026-11-26T09:30:00Z'), '2026-11-26');
    expect(morning).toEqual([
      expect.objectContaining({
        id: 'T1',
        shiftStart: at('2026-11-26T09:30:00Z'),
        shiftEnd: at('2026-11-26T16:00:00Z'),
        maxRouteSeconds: 8 * 3600,
      }),
      expect.objectContaining({
        id: 'N1',
        shiftStart: at('2026-11-26T21:00:00Z'),
        shiftEnd: at('2026-11-27T05:00:00Z'),
      }),
    ]);
    // In the evening the day shift is over: that vehicle does not work the date any more.
    const evening = vehiclesFor('north', depots, fleet, at('2026-11-26T18:00:00Z'), '2026-11-26');
    expect(evening.map((v) => v.id)).toEqual(['N1']);
    // Tomorrow's date plans tomorrow's shifts; in summer (CEST) the same local times are an hour earlier in UTC.
    expect(vehiclesFor('north', depots, fleet, at('2026-11-26T18:00:00Z'), '2026-11-27')[0]).toMatchObject({
      shiftStart: at('2026-11-27T06:00:00Z'),
      shiftEnd: at('2026-11-27T16:00:00Z'),
    });
    expect(vehiclesFor('north', depots, fleet, at('2026-06-01T00:00:00Z'), '2026-06-02')[0]).toMatchObject({
      shiftStart: at('2026-06-02T05:00:00Z'),
      shiftEnd: at('2026-06-02T15:00:00Z'),
    });
  });

  it('turns a shipment into an engine job: seconds, epoch windows, URGENT must be served', () => {
    const job = toJob(
      state(
        { serviceMinutes: 4, timeWindow: { start: '2026-11-26T10:00:00Z', end: '2026-11-26T12:00:00Z' } },
        'URGENT',
      ),
    );
    expect(job).toMatchObject({
      originDepotId: 'DEPOT-1',
      serviceSeconds: 240,
      timeWindow: { start: at('2026-11-26T10:00:00Z'), end: at('2026-11-26T12:00:00Z') },
      mustServe: true,
    });
    expect(toJob(state({ serviceMinutes: undefined })).serviceSeconds).toBe(300);
  });

  it('reads FLEET_CONFIG inline or from a file and fails at cold start when invalid', () => {
    expect(loadFleetConfig(undefined).defaults.vehiclesPerDepot).toBe(10);
    expect(loadFleetConfig('{"defaults":{"vehiclesPerDepot":2}}').defaults.vehiclesPerDepot).toBe(2);
    expect(() => loadFleetConfig('{"regions":{"x":{"vehicles":[]}}}')).toThrow(/FLEET_CONFIG is invalid/);
    expect(() => loadFleetConfig('/no/such/file.json')).toThrow(/no such file/);
    expect(() => loadFleetConfig('{"calendar":{"timeZone":"Mars/Olympus"}}')).toThrow(
      /calendar\.timeZone: an IANA time zone/,
    );
    expect(() => loadFleetConfig('{"regions":{"x":{"calendar":{"workingDays":["FUN"]}}}}')).toThrow(
      /regions\.x\.calendar\.workingDays\.0/,
    );
    expect(() => loadFleetConfig('{"calendar":{"dispatchCutoff":{"time":"25:00","daysBefore":1}}}')).toThrow(
      /calendar\.dispatchCutoff\.time/,
    );
    expect(loadFleetConfig(undefined).replan).toMatchObject({
      neighbourhoodStops: 400,
      rotationSliceStops: 1000,
    });
    expect(loadFleetConfig('{"replan":{"neighbourhoodStops":300}}').replan).toMatchObject({
      neighbourhoodStops: 300,
      rotationSliceStops: 1000,
      movePenalty: 2,
    });
    for (const field of ['neighbourhoodStops', 'rotationSliceStops'])
      for (const bad of ['10', '400.5', '100000'])
        expect(() => loadFleetConfig(`{"replan":{"${field}":${bad}}}`)).toThrow(
          new RegExp(`replan\\.${field}`),
        );
    const parsed = loadFleetConfig('{"regions":{"ny":{"calendar":{"timeZone":"America/New_York"}}}}');
    expect(parsed.calendar).toEqual({
      timeZone: 'UTC',
      workingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'],
      closedDates: [],
      dispatchCutoff: { time: '20:00', daysBefore: 1 },
    });
    expect(parsed.planningHorizonDays).toBe(14);
    expect(parsed.regions.ny?.vehicles).toBeUndefined();
  });

  it('treats prototype names as ids: no inherited member is ever a fleet, a booking or a route id', () => {
    const names = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];
    const fleet = loadFleetConfig(
      JSON.stringify({
        regions: {
          toString: {
            depots: [{ id: 'constructor', lat: 59, lon: 18 }],
            vehicles: [
              {
                id: 'hasOwnProperty',
                depotId: 'constructor',
                capacityWeightKg: 900,
                shiftStart: '06:00',
                shiftEnd: '18:00',
              },
            ],
          },
        },
      }),
    );
    for (const name of names.filter((n) => n !== 'toString')) {
      expect(regionFleet(fleet, name), name).toBeUndefined();
      // The default fleet, at the depot the shipments name.
      const depots = depotsFor(
        name,
        [state({ region: name, origin: { depotId: name, lat: 59, lon: 18 } })],
        fleet,
      );
      expect(depots.map((d) => d.id)).toEqual([name]);
      expect(vehiclesFor(name, depots, fleet, at('2026-11-26T08:00:00Z'), '2026-11-26')[0]?.id).toBe(
        `${name}-V1`,
      );
    }
    const configured = vehiclesFor(
      'toString',
      depotsFor('toString', [], fleet),
      fleet,
      at('2026-11-26T08:00:00Z'),
      '2026-11-26',
    );
    expect(configured.map((v) => v.id)).toEqual(['hasOwnProperty']);
    // No booking yet for vehicles named like Object.prototype members: all of them are available.
    const vehicles = names.map((id) => ({ ...configured[0], id }) as (typeof configured)[number]);
    const empty = {
      routes: [],
      unassigned: [],
      distanceMeters: 0,
      durationSeconds: 0,
      vehiclesUsed: 0,
      cost: 0,
    };
    const input = { depots: [], vehicles, shipments: [], planningStart: 0 };
    expect(
      constrainToBookings(input, empty, { region: 'toString', revision: 0, vehicles: {} }).input.vehicles.map(
        (v) => v.id,
      ),
    ).toEqual(names);
    // Own entries only, and `__proto__` is an entry, not a prototype change.
    let record: Record<string, number> = {};
    for (const [i, name] of names.entries()) record = withOwnEntry(record, name, i);
    expect(names.map((n) => ownEntry(record, n))).toEqual([0, 1, 2, 3, 4]);
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
    expect(ownEntry({}, 'constructor')).toBeUndefined();
    // The same in place (records built in a loop).
    const built: Record<string, number> = {};
    for (const [i, name] of names.entries()) setOwnEntry(built, name, i);
    expect(built).toEqual(record);
    expect(Object.getPrototypeOf(built)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(built))).toEqual(record);
  });

  it('refuses __proto__ as a region or vehicle id in FLEET_CONFIG (it cannot be a key of the stored bookings)', () => {
    const vehicle = { id: 'V1', depotId: 'D', capacityWeightKg: 900, shiftStart: '06:00', shiftEnd: '18:00' };
    expect(() =>
      loadFleetConfig(`{"regions":{"__proto__":{"vehicles":[${JSON.stringify(vehicle)}]}}}`),
    ).toThrow(/regions.__proto__/);
    expect(() =>
      loadFleetConfig(
        JSON.stringify({ regions: { north: { vehicles: [{ ...vehicle, id: '__proto__' }] } } }),
      ),
    ).toThrow(/__proto__ cannot be a vehicle id/);
  });
});
