import { afterAll, describe, expect, it } from 'vitest';
import { startGeoRoutesStandIn } from '../integration/matrix/stand-ins';
import { api, type RuntimeProcess, startRuntimeProcess } from '../support/runtime-process';

/**
 * ROUTING_MATRIX end to end: the local runtime (same composition root as the functions) with
 * Amazon Location configured, its endpoint on a loopback CalculateRouteMatrix stand-in.
 */
describe('road-network matrix on the local runtime', () => {
  let runtime: RuntimeProcess | undefined;
  let geo: Awaited<ReturnType<typeof startGeoRoutesStandIn>> | undefined;
  afterAll(async () => {
    await runtime?.stop();
    runtime?.cleanup();
    await geo?.close();
  });

  it('plans an URGENT shipment with Amazon Location distances, then asks only for the next one’s row and column', async () => {
    geo = await startGeoRoutesStandIn();
    runtime = await startRuntimeProcess({
      env: {
        TIME_SCALE: '60',
        ROUTING_MATRIX: 'amazon-location',
        AMAZON_LOCATION_ENDPOINT: geo.endpoint,
        AMAZON_LOCATION_TRAVEL_MODE: 'Truck',
      },
    });
    expect(runtime.output()).toContain('Amazon Location route matrix, Truck');
    const call = api(runtime);
    const urgent = (id: string, lat: number, lon: number) => ({
      shipmentId: id,
      version: 1,
      region: 'e2e-matrix',
      serviceLevel: 'SAME_DAY',
      origin: { depotId: 'M-1', lat: 59.33, lon: 18.06 },
      destination: { lat, lon },
      weightKg: 10,
    });

    const first = await call('POST', '/v1/shipments', urgent('MX-1', 59.4, 17.95));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'OPTIMIZED' });
    expect(geo.requests.length).toBeGreaterThan(0);
    expect(geo.requests.every((r) => r.body.TravelMode === 'Truck')).toBe(true);

    geo.requests.length = 0;
    const second = await call('POST', '/v1/shipments', urgent('MX-2', 59.25, 18.2));
    expect(second.status).toBe(200);
    // the depot and MX-1 are known: only the new destination's row and column are asked for
    const shapes = geo.requests.map((r) => [r.body.Origins.length, r.body.Destinations.length]);
    expect(shapes.length).toBeGreaterThan(0);
    expect(shapes.every(([o, d]) => o === 1 || d === 1)).toBe(true);
    expect(runtime.output()).not.toContain('routing matrix provider failed');
  });
});
