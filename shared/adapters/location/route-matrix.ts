import type {
  CalculateRouteMatrixCommandOutput,
  CalculateRouteMatrixRequest,
  GeoRoutesClient,
  GeoRoutesClientConfig,
  RouteMatrixBoundary,
} from '@aws-sdk/client-geo-routes';
import {
  type BlockLimits,
  type GeoPoint,
  type MatrixPort,
  type MatrixResult,
  planBlocks,
  runLimited,
} from '../../solver';

/*
 * Amazon Location Service route matrices (Routes V2, `geo-routes` CalculateRouteMatrix,
 * POST /v2/route-matrix). What the service documents, and what this adapter does about it:
 *
 * - Request: Origins[] and Destinations[] of { Position: [lon, lat] }, a RoutingBoundary
 *   ({ Geometry: { AutoCircle | Circle | BoundingBox | Polygon } } or { Unbounded: true }; the
 *   default is Unbounded), TravelMode Car | Pedestrian | Scooter | Truck (default Car).
 *   Response: RouteMatrix[origin][destination] = { Distance (m), Duration (s), Error? } with
 *   Error one of NoMatch, NoMatchOrigin, NoMatchDestination, NoRoute, OutOfBounds,
 *   OutOfBoundsOrigin, OutOfBoundsDestination, Violation, Other; plus ErrorCount.
 *   (API reference https://docs.aws.amazon.com/location/latest/APIReference/API_CalculateRouteMatrix.html,
 *   and the model in @aws-sdk/client-geo-routes 3.1124: CalculateRouteMatrixRequest/Response,
 *   RouteMatrixEntry, RouteMatrixErrorCode.)
 * - Size, per request (same sources, Origins and Destinations): with RoutingBoundary.Geometry at
 *   most 500 origins, 500 destinations and 160,000 origins × destinations; with Unbounded at most
 *   15 origins, 100 destinations and 100 origins × destinations. Larger matrices are split into
 *   blocks within those limits (planBlocks: fewest requests). (GrabMaps customers in
 *   ap-southeast-1/-5 have other limits and Unbounded only: not supported here.)
 * - Boundary geometry: a BoundingBox diagonal of at most 400,000 m (Circle radius and
 *   AutoCircle MaxRadius + Margin at most 200,000 m; Polygon vertices at most 400 km apart).
 *   Waypoints outside the boundary are errors. We send the bounding box of the call's points plus
 *   a margin (default 10 km) when its diagonal fits, else Unbounded with its smaller blocks.
 * - Distance (developer guide, "Routes quota and usage",
 *   https://docs.aws.amazon.com/location/latest/developerguide/routes-quota-usage.html): unbounded routing reaches at most
 *   10,000 km between origin and destination, 60 km when Avoid or TravelModeOptions.Truck is
 *   used (neither is sent here); responses are at most 6 MB compressed.
 * - Rate (same page): CalculateRouteMatrix defaults to 5 requests per second (adjustable to 10);
 *   requests in flight are limited (`concurrency`, default 4) and the SDK retries throttling
 *   (ThrottlingException, HTTP 429) with backoff, `maxAttempts` in all.
 * - IAM (Service Authorization Reference, "Amazon Location Service Routes",
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_geo-routes.html): the action
 *   geo-routes:CalculateRouteMatrix on the `provider` resource
 *   arn:${Partition}:geo-routes:${Region}::provider/default (no condition keys).
 * - Cost: billed per origin–destination pair (routes calculated), not per request — hence the
 *   cache in front of this port (cachedMatrix) that asks only for new rows and columns.
 *
 * An entry with an Error (or without Distance/Duration) is unreachable: -1, like a `null` in OSRM.
 */

/** Documented CalculateRouteMatrix request limits, by routing boundary. */
export const ROUTE_MATRIX_LIMITS: Record<'bounded' | 'unbounded', BlockLimits> = {
  bounded: { maxOrigins: 500, maxDestinations: 500, maxCells: 160_000 },
  unbounded: { maxOrigins: 15, maxDestinations: 100, maxCells: 100 },
};
/** Largest BoundingBox diagonal the service accepts, metres. */
export const MAX_BOUNDING_BOX_DIAGONAL_M = 400_000;

export type AmazonLocationTravelMode = 'Car' | 'Truck';

export interface AmazonLocationMatrixOptions {
  /** An SDK client to use (else one is made from region / endpoint / credentials). */
  client?: GeoRoutesClient;
  region?: string;
  /** Explicit endpoint (LocalStack, a stand-in); default: the region's geo-routes endpoint. */
  endpoint?: string;
  credentials?: GeoRoutesClientConfig['credentials'];
  /** SDK attempts per request, retries of throttling and 5xx included (SDK default 3). */
  maxAttempts?: number;
  travelMode?: AmazonLocationTravelMode;
  /** Requests in flight at once (default 4; the account quota defaults to 5 per second). */
  concurrency?: number;
  /** Margin around the points' bounding box, metres (default 10,000). */
  boundaryMarginMeters?: number;
}

/** The SDK module, loaded on first use: functions that never ask Amazon Location never load it. */
let sdk: Promise<typeof import('@aws-sdk/client-geo-routes')> | undefined;
const loadSdk = () => {
  sdk ??= import('@aws-sdk/client-geo-routes').catch((error: unknown) => {
    sdk = undefined;
    throw error;
  });
  return sdk;
};

/** A MatrixPort over Amazon Location Service CalculateRouteMatrix; metres and seconds. */
export function amazonLocationMatrix(options: AmazonLocationMatrixOptions = {}): MatrixPort {
  type Call = (request: CalculateRouteMatrixRequest) => Promise<CalculateRouteMatrixCommandOutput>;
  let connection: Promise<Call> | undefined;
  const connect = (): Promise<Call> => {
    connection ??= loadSdk().then(({ GeoRoutesClient, CalculateRouteMatrixCommand }) => {
      const client =
        options.client ??
        new GeoRoutesClient({
          ...(options.region ? { region: options.region } : {}),
          ...(options.endpoint ? { endpoint: options.endpoint } : {}),
          ...(options.credentials ? { credentials: options.credentials } : {}),
          ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
        });
      return (request) => client.send(new CalculateRouteMatrixCommand(request));
    });
    connection.catch(() => {
      connection = undefined; // try again on the next call
    });
    return connection;
  };
  const travelMode = options.travelMode ?? 'Car';
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const margin = Math.max(0, options.boundaryMarginMeters ?? 10_000);

  const block = async (origins: GeoPoint[], destinations: GeoPoint[]): Promise<MatrixResult> => {
    const m = origins.length;
    const n = destinations.length;
    const distances = new Float64Array(m * n);
    const durations = new Float64Array(m * n);
    if (m === 0 || n === 0) return { distances, durations };
    const boundary = routingBoundary([...origins, ...destinations], margin);
    const calculateRouteMatrix = await connect();
    const limits = boundary.Unbounded ? ROUTE_MATRIX_LIMITS.unbounded : ROUTE_MATRIX_LIMITS.bounded;
    const tasks = planBlocks(m, n, limits).map(({ o0, o1, d0, d1 }) => async () => {
      const request: CalculateRouteMatrixRequest = {
        Origins: origins.slice(o0, o1).map((p) => ({ Position: [p.lon, p.lat] })),
        Destinations: destinations.slice(d0, d1).map((p) => ({ Position: [p.lon, p.lat] })),
        RoutingBoundary: boundary,
        TravelMode: travelMode,
      };
      const answer = await calculateRouteMatrix(request);
      const rows = answer.RouteMatrix;
      if (!rows || rows.length !== o1 - o0) {
        throw new Error(`CalculateRouteMatrix: expected ${o1 - o0} rows, got ${rows?.length ?? 'none'}`);
      }
      rows.forEach((row, r) => {
        if (row.length !== d1 - d0) {
          throw new Error(`CalculateRouteMatrix: row ${r} has ${row.length} entries, expected ${d1 - d0}`);
        }
        row.forEach((entry, c) => {
          const k = (o0 + r) * n + d0 + c;
          const ok = !entry.Error && Number.isFinite(entry.Distance) && Number.isFinite(entry.Duration);
          distances[k] = ok ? entry.Distance! : -1;
          durations[k] = ok ? entry.Duration! : -1;
        });
      });
    });
    await runLimited(tasks, concurrency);
    return { distances, durations };
  };

  return {
    block,
    matrix: (points) => block(points, points),
  };
}

const METRES_PER_DEGREE = 111_320;
const EARTH_RADIUS_M = 6_371_008.8;

/**
 * The bounding box of `points` widened by `marginMeters` (less when the margin would push the
 * diagonal past the 400 km limit), or Unbounded when even the bare box is too large or spans
 * the antimeridian.
 */
export function routingBoundary(points: GeoPoint[], marginMeters: number): RouteMatrixBoundary {
  let minLat = 90;
  let maxLat = -90;
  let minLon = 180;
  let maxLon = -180;
  for (const p of points) {
    minLat = Math.min(minLat, p.lat);
    maxLat = Math.max(maxLat, p.lat);
    minLon = Math.min(minLon, p.lon);
    maxLon = Math.max(maxLon, p.lon);
  }
  if (maxLon - minLon > 180) return { Unbounded: true };
  for (const margin of [marginMeters, marginMeters / 4, 0]) {
    const dLat = margin / METRES_PER_DEGREE;
    const cos = Math.cos((Math.min(89, Math.max(Math.abs(minLat), Math.abs(maxLat)) + dLat) * Math.PI) / 180);
    const dLon = margin / (METRES_PER_DEGREE * Math.max(cos, 0.01));
    // [south-west lon, lat, north-east lon, lat], rounded outwards to 1e-6°
    const box = [
      Math.floor(Math.max(-180, minLon - dLon) * 1e6) / 1e6,
      Math.floor(Math.max(-90, minLat - dLat) * 1e6) / 1e6,
      Math.ceil(Math.min(180, maxLon + dLon) * 1e6) / 1e6,
      Math.ceil(Math.min(90, maxLat + dLat) * 1e6) / 1e6,
    ];
    if (haversine(box[1]!, box[0]!, box[3]!, box[2]!) <= MAX_BOUNDING_BOX_DIAGONAL_M) {
      return { Geometry: { BoundingBox: box } };
    }
  }
  return { Unbounded: true };
}

function haversine(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const r = Math.PI / 180;
  const s1 = Math.sin(((lat2 - lat1) * r) / 2);
  const s2 = Math.sin(((lon2 - lon1) * r) / 2);
  const h = s1 * s1 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * s2 * s2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}
