import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/domain/errors';
import { DEFAULT_MAX_DELIVERY_RADIUS_KM, greatCircleKm } from '../../shared/domain/geo';
import { submitShipment } from '../../shared/domain/use-cases/shipments';
import { sampleShipment } from '../support/arbitraries';
import { testDeps } from '../support/deps';
import { dynamoForSuite } from '../support/dynamo';

/**
 * Contract §1: a destination farther from its origin depot than MAX_DELIVERY_RADIUS_KM is refused
 * at the API (400 naming `destination`, nothing stored or queued) instead of being accepted and
 * left QUEUED → STALE because no vehicle of that depot can reach it.
 */
const dynamo = dynamoForSuite();

const depot = { depotId: 'STO-1', lat: 59.33, lon: 18.06 };
/** Timeless bodies: the service-date rules (issue 10) are not under test here. */
const at = (shipmentId: string, destination: { lat: number; lon: number }) =>
  sampleShipment({ shipmentId, origin: depot, destination, timeWindow: undefined });

describe('delivery radius at the API', () => {
  it.each([
    ['the other side of the globe', { lat: -33.87, lon: 151.21 }],
    ['latitude and longitude swapped', { lat: 18.06, lon: 59.33 }],
    ['the sign of the longitude lost', { lat: 59.33, lon: -18.06 }],
    ['the antipode', { lat: -59.33, lon: -161.94 }],
  ])('refuses %s: 400 naming destination, nothing stored or announced', async (_case, destination) => {
    const { deps, publisher } = testDeps(dynamo.client);
    const id = `FAR-${destination.lat}-${destination.lon}`.replace(/[^A-Za-z0-9_.-]/g, '_');
    const error = await submitShipment(
      { body: at(id, destination), correlationId: 'c', mode: 'create' },
      deps,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors).toEqual([
      { field: 'destination', message: expect.stringMatching(/km from depot STO-1; .* at most 1000 km/) },
    ]);
    expect(await deps.store.get(id)).toBeUndefined();
    expect(publisher.published).toEqual([]);
  });

  it('accepts a destination inside the default radius, even a long way off (Stockholm → Oslo)', async () => {
    const { deps } = testDeps(dynamo.client);
    const oslo = { lat: 59.91, lon: 10.75 };
    expect(greatCircleKm(depot, oslo)).toBeLessThan(DEFAULT_MAX_DELIVERY_RADIUS_KM);
    const { state } = await submitShipment(
      { body: at('NEAR-OSLO', oslo), correlationId: 'c', mode: 'create' },
      deps,
    );
    expect(state.status).toBe('QUEUED');
  });

  it('uses the configured radius (MAX_DELIVERY_RADIUS_KM)', async () => {
    const { deps } = testDeps(dynamo.client, { maxDeliveryRadiusKm: 50 });
    const uppsala = { lat: 59.86, lon: 17.64 }; // about 64 km
    await expect(
      submitShipment({ body: at('UPPSALA-50', uppsala), correlationId: 'c', mode: 'create' }, deps),
    ).rejects.toMatchObject({
      errors: [{ field: 'destination', message: expect.stringContaining('at most 50 km') }],
    });
    const sollentuna = { lat: 59.43, lon: 17.95 }; // about 12 km
    const { state } = await submitShipment(
      { body: at('SOLLENTUNA-50', sollentuna), correlationId: 'c', mode: 'create' },
      deps,
    );
    expect(state.status).toBe('QUEUED');
  });

  it('measures great-circle km', () => {
    expect(greatCircleKm(depot, depot)).toBe(0);
    expect(greatCircleKm({ lat: 59.33, lon: 18.06 }, { lat: 59.91, lon: 10.75 })).toBeCloseTo(416, -1);
    expect(greatCircleKm({ lat: 0, lon: 0 }, { lat: 0, lon: 180 })).toBeCloseTo(20_015, -1);
  });
});
