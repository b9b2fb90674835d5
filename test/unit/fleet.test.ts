import { describe, expect, it } from 'vitest';
import { depotsFor, toJob, vehiclesFor } from '../../shared/domain/batching/fleet';
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
  it('gives a region without configuration the default fleet at every depot seen in the window', () => {
    const fleet = FleetConfig.parse({
      defaults: { vehiclesPerDepot: 3, capacityWeightKg: 800, shiftHours: 10 },
    });
    const states = [
      state({ origin: { depotId: 'A', lat: 59, lon: 18 } }),
      state({ origin: { depotId: 'B', lat: 58, lon: 17 } }),
    ];
    const depots = depotsFor('nowhere', states, fleet);
    expect(depots.map((d) => d.id)).toEqual(['A', 'B']);
    const start = at('2026-11-26T08:00:00Z');
    const vehicles = vehiclesFor('nowhere', depots, fleet, start);
    expect(vehicles).toHaveLength(6);
    expect(vehicles.filter((v) => v.startDepotId === 'B').map((v) => v.id)).toEqual(['B-V1', 'B-V2', 'B-V3']);
    expect(vehicles[0]).toMatchObject({
      capacityWeightKg: 800,
      shiftStart: start,
      shiftEnd: start + 10 * 3600,
    });
  });

  it('uses the configured vehicles of a region, with shifts on the planning day, moved to the next day when over', () => {
    const fleet = FleetConfig.parse({
      regions: {
        north: {
          depots: [{ id: 'D1', lat: 59, lon: 18 }],
          vehicles: [
            {
              id: 'T1',
              depotId: 'D1',
              capacityWeightKg: 1500,
              shiftStart: '07:00',
              shiftEnd: '17:00',
              maxRouteHours: 8,
            },
          ],
        },
      },
    });
    const depots = depotsFor('north', [], fleet);
    const morning = vehiclesFor('north', depots, fleet, at('2026-11-26T09:30:00Z'));
    expect(morning).toEqual([
      expect.objectContaining({
        id: 'T1',
        shiftStart: at('2026-11-26T09:30:00Z'),
        shiftEnd: at('2026-11-26T17:00:00Z'),
        maxRouteSeconds: 8 * 3600,
      }),
    ]);
    const evening = vehiclesFor('north', depots, fleet, at('2026-11-26T18:00:00Z'));
    expect(evening[0]).toMatchObject({
      shiftStart: at('2026-11-27T07:00:00Z'),
      shiftEnd: at('2026-11-27T17:00:00Z'),
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
  });
});
