import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  amazonLocationMatrix,
  MAX_BOUNDING_BOX_DIAGONAL_M,
} from '../../../shared/adapters/location/route-matrix';
import { routingMatrix } from '../../../shared/adapters/routing-matrix';
import { parseEnvironment } from '../../../shared/schemas/environment';
import { type GeoPoint, greatCircleMatrix } from '../../../shared/solver';
import { ROAD_FACTOR, road, roadMetres, startGeoRoutesStandIn, values } from './stand-ins';

/**
 * The Amazon Location adapter with the real SDK client (@aws-sdk/client-geo-routes, SigV4 with
 * static fake credentials), its endpoint pointed at a loopback stand-in of CalculateRouteMatrix.
 */
let geo: Awaited<ReturnType<typeof startGeoRoutesStandIn>> | undefined;
afterEach(async () => {
  await geo?.close();
  geo = undefined;
  vi.unstubAllEnvs();
});

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' };
const port = (options: Partial<Parameters<typeof amazonLocationMatrix>[0]> = {}) =>
  amazonLocationMatrix({ endpoint: geo!.endpoint, region: 'eu-north-1', credentials, ...options });

/** A city: n delivery points around Stockholm. */
const city = (n: number, offset = 0): GeoPoint[] =>
  Array.from({ length: n }, (_, i) => ({
    lat: 59.2 + (((i + offset) * 37) % 101) * 0.003,
    lon: 17.8 + (((i + offset) * 53) % 97) * 0.005,
  }));
/** A continent: points from Lisbon to Helsinki, far beyond a 400 km box. */
const continent = (n: number): GeoPoint[] =>
  Array.from({ length: n }, (_, i) => ({ lat: 38.7 + (i * 21.5) / n, lon: -9.1 + (i * 34) / n }));

const positions = (ws: { Position: [number, number] }[]) =>
  ws.map((w) => ({ lon: w.Position[0], lat: w.Position[1] }));

describe('Amazon Location route-matrix adapter against a CalculateRouteMatrix stand-in', () => {
  it('splits 600 points into blocks within the bounded limits, signs with SigV4, sends the travel mode', async () => {
    geo = await startGeoRoutesStandIn();
    const pts = city(600);
    const m = await port({ travelMode: 'Truck', concurrency: 3 }).matrix(pts);
    expect(values(m, 600, 600)).toEqual(road(pts, pts));

    const bodies = geo.requests.map((r) => r.body);
    // more than 500 origins and destinations: 2 × 2 blocks (of 300 × 300) is the least possible
    expect(bodies).toHaveLength(4);
    for (const body of bodies) {
      expect(body.Origins.length).toBeLessThanOrEqual(500);
      expect(body.Destinations.length).toBeLessThanOrEqual(500);
      expect(body.Origins.length * body.Destinations.length).toBeLessThanOrEqual(160_000);
      expect(body.TravelMode).toBe('Truck');
      const box = body.RoutingBoundary!.Geometry!.BoundingBox!;
      for (const p of [...positions(body.Origins), ...positions(body.Destinations)]) {
        expect(p.lon >= box[0]! && p.lat >= box[1]! && p.lon <= box[2]! && p.lat <= box[3]!).toBe(true);
      }
      const diagonal =
        roadMetres({ lon: box[0]!, lat: box[1]! }, { lon: box[2]!, lat: box[3]! }) / ROAD_FACTOR;
      expect(diagonal).toBeLessThanOrEqual(MAX_BOUNDING_BOX_DIAGONAL_M);
    }
    expect(geo.stats.maxInFlight).toBeLessThanOrEqual(3);
    expect(geo.requests[0]!.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-north-1\/geo-routes\/aws4_request/,
    );
  });

  it('uses Unbounded routing with its smaller blocks (15 origins, 100 destinations, 100 routes) beyond a 400 km box', async () => {
    geo = await startGeoRoutesStandIn();
    const pts = continent(24);
    const m = await port().matrix(pts);
    expect(values(m, 24, 24)).toEqual(road(pts, pts));
    for (const { body } of geo.requests) {
      expect(body.RoutingBoundary).toEqual({ Unbounded: true });
      expect(body.Origins.length).toBeLessThanOrEqual(15);
      expect(body.Destinations.length).toBeLessThanOrEqual(100);
      expect(body.Origins.length * body.Destinations.length).toBeLessThanOrEqual(100);
      expect(body.TravelMode).toBe('Car');
    }
    // 576 routes at 100 a request: at least 6
    expect(geo.requests.length).toBeGreaterThanOrEqual(6);
    expect(geo.requests.length).toBeLessThanOrEqual(8);
  });

  it('maps entries with an Error (NoRoute) to unreachable (-1)', async () => {
    geo = await startGeoRoutesStandIn();
    const pts = city(5);
    geo.control.noRoute.push([pts[0]!, pts[3]!]);
    const m = await port().matrix(pts);
    expect((m.distances as Float64Array)[0 * 5 + 3]).toBe(-1);
    expect((m.durations as Float64Array)[0 * 5 + 3]).toBe(-1);
    expect((m.distances as Float64Array)[3 * 5 + 0]).toBe(roadMetres(pts[3]!, pts[0]!));
  });

  it('retries throttling (HTTP 429) and fails with ThrottlingException once the attempts are used up', async () => {
    geo = await startGeoRoutesStandIn();
    const pts = city(4);
    geo.control.failNext = 1;
    expect(values(await port({ maxAttempts: 2 }).matrix(pts), 4, 4)).toEqual(road(pts, pts));
    expect(geo.requests).toHaveLength(2);

    geo.requests.length = 0;
    geo.control.failNext = 10;
    await expect(port({ maxAttempts: 2 }).matrix(pts)).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(geo.requests).toHaveLength(2);
  });

  it('through the configured port: only new rows and columns are asked for; throttling falls back to the estimate', async () => {
    geo = await startGeoRoutesStandIn();
    vi.stubEnv('AWS_ACCESS_KEY_ID', credentials.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', credentials.secretAccessKey);
    vi.stubEnv('AWS_MAX_ATTEMPTS', '1');
    const env = parseEnvironment({
      SHIPMENTS_TABLE: 's',
      IDEMPOTENCY_TABLE: 'i',
      BATCHING_TABLE: 'b',
      EVENT_BUS_NAME: 'e',
      AWS_REGION: 'eu-north-1',
      ROUTING_MATRIX: 'amazon-location',
      AMAZON_LOCATION_ENDPOINT: geo.endpoint,
      AMAZON_LOCATION_TRAVEL_MODE: 'Truck',
    });
    const fallbacks: { error: unknown; provider: string }[] = [];
    const matrix = routingMatrix(env, {
      roadFactor: 1.3,
      speedKmh: 40,
      onFallback: (e) => fallbacks.push(e),
    });

    const plan = city(40);
    expect(values(await matrix.matrix(plan), 40, 40)).toEqual(road(plan, plan));
    expect(geo.requests).toHaveLength(1);
    expect(geo.requests[0]!.body.TravelMode).toBe('Truck');

    // an URGENT insertion: the plan's points plus one new destination
    geo.requests.length = 0;
    const withNew = [...plan.slice(0, 25), ...city(1, 500), ...plan.slice(25)];
    expect(values(await matrix.matrix(withNew), 41, 41)).toEqual(road(withNew, withNew));
    expect(geo.requests.map((r) => [r.body.Origins.length, r.body.Destinations.length]).sort()).toEqual([
      [1, 41],
      [40, 1],
    ]);

    // throttled beyond the SDK's attempts: the estimate answers, the fallback is reported
    geo.requests.length = 0;
    geo.control.failNext = 5;
    const next = city(3, 900);
    const estimate = await greatCircleMatrix({ roadFactor: 1.3, speedKmh: 40 }).matrix(next);
    expect(values(await matrix.matrix(next), 3, 3)).toEqual(values(estimate, 3, 3));
    expect(fallbacks).toHaveLength(1);
    expect(fallbacks[0]!.provider).toBe('amazon-location');
    expect((fallbacks[0]!.error as Error).name).toBe('ThrottlingException');
  });
});
