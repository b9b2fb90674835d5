import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from '../../../local/services/loopback';
import { parseEnvironment } from '../../../shared/schemas/environment';
import { type GeoPoint, type MatrixResult, readBlock } from '../../../shared/solver';

/**
 * Protocol stand-ins on loopback for the road-network matrix providers: an OSRM `table` server
 * and the Amazon Location Routes V2 CalculateRouteMatrix endpoint (REST-JSON). Both answer
 * "road" values that differ from every great-circle setting in use (straight line × 1.2 at
 * 45 km/h), so a test can tell a provider answer from a fallback estimate, and both enforce the
 * size limits the real services document.
 */
export const ROAD_FACTOR = 1.2;
export const ROAD_SPEED_MS = 45 / 3.6;

export function roadMetres(a: GeoPoint, b: GeoPoint): number {
  const r = Math.PI / 180;
  const s1 = Math.sin(((b.lat - a.lat) * r) / 2);
  const s2 = Math.sin(((b.lon - a.lon) * r) / 2);
  const h = s1 * s1 + Math.cos(a.lat * r) * Math.cos(b.lat * r) * s2 * s2;
  return Math.round(2 * 6_371_008.8 * Math.asin(Math.min(1, Math.sqrt(h))) * ROAD_FACTOR);
}
export const roadSeconds = (a: GeoPoint, b: GeoPoint) => Math.round(roadMetres(a, b) / ROAD_SPEED_MS);

/** What the stand-ins answer for these origins and destinations, row-major. */
export const road = (origins: GeoPoint[], destinations: GeoPoint[]) => ({
  distances: origins.flatMap((o) => destinations.map((d) => roadMetres(o, d))),
  durations: origins.flatMap((o) => destinations.map((d) => roadSeconds(o, d))),
});

/** A matrix result as plain row-major arrays, to compare with `road`. */
export const values = (m: MatrixResult, rows: number, cols: number) => ({
  distances: Array.from(readBlock(m.distances, rows, cols, 'distance')),
  durations: Array.from(readBlock(m.durations, rows, cols, 'duration')),
});

/** A valid function environment plus these settings. */
export const env = (extra: Record<string, string>) =>
  parseEnvironment({
    SHIPMENTS_TABLE: 's',
    IDEMPOTENCY_TABLE: 'i',
    BATCHING_TABLE: 'b',
    EVENT_BUS_NAME: 'e',
    ...extra,
  });

const sameKey = (p: GeoPoint) => `${p.lat.toFixed(5)},${p.lon.toFixed(5)}`;

interface Control {
  /** Answer the next n requests with a failure. */
  failNext: number;
  /** Pairs (origin, destination) with no route. */
  noRoute: [GeoPoint, GeoPoint][];
}

const isNoRoute = (control: Control, a: GeoPoint, b: GeoPoint) =>
  control.noRoute.some(([x, y]) => sameKey(x) === sameKey(a) && sameKey(y) === sameKey(b));

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export interface OsrmRequest {
  profile: string;
  coordinates: number;
  sources: number;
  destinations: number;
}

/**
 * GET /table/v1/{profile}/{lon,lat;…}?sources=…&destinations=…&annotations=duration,distance.
 * Like OSRM's table plugin: "TooBig" (HTTP 400) when sources × destinations > max-table-size²,
 * `null` for pairs without a route.
 */
export async function startOsrmStandIn(options: { maxTableSize: number }) {
  const requests: OsrmRequest[] = [];
  const control: Control = { failNext: 0, noRoute: [] };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://osrm');
    const match = /^\/table\/v1\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (req.method !== 'GET' || !match) return json(res, 400, { code: 'InvalidUrl', message: url.pathname });
    if (control.failNext > 0) {
      control.failNext--;
      res.writeHead(503).end('upstream unavailable');
      return;
    }
    const coords = decodeURIComponent(match[2]!)
      .split(';')
      .map((c) => {
        const [lon, lat] = c.split(',').map(Number);
        return { lat: lat!, lon: lon! };
      });
    const indices = (name: string) => {
      const raw = url.searchParams.get(name);
      return raw ? raw.split(';').map(Number) : coords.map((_, i) => i);
    };
    const sources = indices('sources');
    const destinations = indices('destinations');
    requests.push({
      profile: match[1]!,
      coordinates: coords.length,
      sources: sources.length,
      destinations: destinations.length,
    });
    if ([...sources, ...destinations].some((i) => !(i >= 0 && i < coords.length))) {
      return json(res, 400, { code: 'InvalidOptions', message: 'source or destination out of range' });
    }
    if (sources.length * destinations.length > options.maxTableSize ** 2) {
      return json(res, 400, { code: 'TooBig', message: 'Too many table coordinates' });
    }
    if (url.searchParams.get('annotations') !== 'duration,distance') {
      return json(res, 400, { code: 'InvalidOptions', message: 'annotations' });
    }
    const cell = (f: (a: GeoPoint, b: GeoPoint) => number) =>
      sources.map((s) =>
        destinations.map((d) =>
          isNoRoute(control, coords[s]!, coords[d]!) ? null : f(coords[s]!, coords[d]!),
        ),
      );
    json(res, 200, { code: 'Ok', durations: cell(roadSeconds), distances: cell(roadMetres) });
  });
  const listening = await listenOnLoopback(server);
  return { ...listening, requests, control };
}

export interface RouteMatrixRequestBody {
  Origins: { Position: [number, number] }[];
  Destinations: { Position: [number, number] }[];
  RoutingBoundary?: { Unbounded?: boolean; Geometry?: { BoundingBox?: number[] } };
  TravelMode?: string;
}

/** Limits of CalculateRouteMatrix (API reference), by routing boundary. */
const LIMITS = {
  bounded: { origins: 500, destinations: 500, cells: 160_000 },
  unbounded: { origins: 15, destinations: 100, cells: 100 },
};

/** What the service would reject the request for, if anything. */
function violation(body: RouteMatrixRequestBody): string | undefined {
  const box = body.RoutingBoundary?.Geometry?.BoundingBox;
  if (!body.RoutingBoundary?.Unbounded && !box) return 'RoutingBoundary: Geometry or Unbounded required';
  const limits = body.RoutingBoundary?.Unbounded ? LIMITS.unbounded : LIMITS.bounded;
  const o = body.Origins.length;
  const d = body.Destinations.length;
  if (o < 1 || o > limits.origins) return `Origins: ${o} outside 1..${limits.origins}`;
  if (d < 1 || d > limits.destinations) return `Destinations: ${d} outside 1..${limits.destinations}`;
  if (o * d > limits.cells) return `a matrix of ${o * d} routes exceeds ${limits.cells}`;
  if (
    box &&
    roadMetres({ lon: box[0]!, lat: box[1]! }, { lon: box[2]!, lat: box[3]! }) / ROAD_FACTOR > 400_000
  ) {
    return 'BoundingBox diagonal exceeds 400,000 m';
  }
  return undefined;
}

/**
 * POST /v2/route-matrix, Amazon Location Routes V2 (REST-JSON, SigV4). Rejects requests over the
 * documented limits with a ValidationException (400); answers a ThrottlingException (429) while
 * `control.failNext` lasts; marks pairs without a route `{"Error": "NoRoute"}` and waypoints
 * outside the BoundingBox `OutOfBounds`.
 */
export async function startGeoRoutesStandIn() {
  const requests: { body: RouteMatrixRequestBody; authorization: string }[] = [];
  const control: Control = { failNext: 0, noRoute: [] };
  let inFlight = 0;
  const stats = { maxInFlight: 0 };
  const server = createServer(async (req, res) => {
    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/v2/route-matrix') {
      return json(
        res,
        404,
        { message: `no route ${req.method} ${req.url}` },
        { 'x-amzn-errortype': 'NotFound' },
      );
    }
    inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
    try {
      const body = JSON.parse(await readBody(req)) as RouteMatrixRequestBody;
      requests.push({ body, authorization: String(req.headers.authorization ?? '') });
      // a little latency, so that requests in flight overlap
      await new Promise((r) => setTimeout(r, 5));
      if (control.failNext > 0) {
        control.failNext--;
        return json(res, 429, { message: 'Rate exceeded' }, { 'x-amzn-errortype': 'ThrottlingException' });
      }
      const box = body.RoutingBoundary?.Geometry?.BoundingBox;
      const problem = violation(body);
      if (problem) {
        return json(
          res,
          400,
          { message: problem, reason: 'FieldValidationFailed', fieldList: [] },
          { 'x-amzn-errortype': 'ValidationException' },
        );
      }
      const point = (w: { Position: [number, number] }) => ({ lon: w.Position[0], lat: w.Position[1] });
      const inside = (p: GeoPoint) =>
        !box || (p.lon >= box[0]! && p.lat >= box[1]! && p.lon <= box[2]! && p.lat <= box[3]!);
      let errors = 0;
      const RouteMatrix = body.Origins.map(point).map((o) =>
        body.Destinations.map(point).map((d) => {
          const error =
            !inside(o) || !inside(d) ? 'OutOfBounds' : isNoRoute(control, o, d) ? 'NoRoute' : undefined;
          if (error) {
            errors++;
            return { Error: error };
          }
          return { Distance: roadMetres(o, d), Duration: roadSeconds(o, d) };
        }),
      );
      json(
        res,
        200,
        { ErrorCount: errors, RouteMatrix, RoutingBoundary: body.RoutingBoundary },
        { 'x-amz-geo-pricing-bucket': 'Standard' },
      );
    } finally {
      inFlight--;
    }
  });
  const listening = await listenOnLoopback(server);
  return { ...listening, requests, control, stats };
}
