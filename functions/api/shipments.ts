import { acceptShipment } from '../../shared/domain/batching/accept-shipment';
import { NotFoundError } from '../../shared/domain/errors';
import { listShipments } from '../../shared/domain/use-cases/list-shipments';
import { cancelShipment, getShipment, shipmentEvents } from '../../shared/domain/use-cases/shipments';
import { httpEndpoint } from '../../shared/runtime/http/handler';
import { ORIGINAL_CORRELATION_HEADER } from '../../shared/runtime/http/middleware';
import { ListShipmentsQuery } from '../../shared/schemas/listing';
import { RoutePath, ShipmentPath } from '../../shared/schemas/path';
import { CancelBody, ShipmentBody } from '../../shared/schemas/shipment';
import type { ShipmentState } from '../../shared/schemas/state';
import { prewarmSolverWorkers } from '../../shared/solver';
import { dependencies } from '../composition';
import { auditEventView, shipmentView } from './views';

/** API Gateway entry points for /v1/shipments: thin wrappers over the shipment use cases. */
const deps = dependencies();
// URGENT shipments are inserted in real time inside the call: load a solver worker at cold start.
prewarmSolverWorkers(1);
const limits = { maxBodyBytes: deps.env.MAX_BODY_BYTES };
/** Idempotency-Key records of one endpoint: its own persistence layer and key prefix. */
const idempotent = (scope: string) => ({
  idempotency: { persistence: deps.idempotencyStore, scope, ttlSeconds: deps.env.IDEMPOTENCY_TTL_SECONDS },
});
const create = { ...limits, body: ShipmentBody, ...idempotent('api.CreateShipment') };
const replace = { ...limits, path: ShipmentPath, body: ShipmentBody, ...idempotent('api.ReplaceShipment') };

export const createShipment = httpEndpoint(create, async (req) => {
  const result = await acceptShipment(
    { body: req.body, correlationId: req.correlationId, mode: 'create' },
    deps,
  );
  return {
    // 200 when an URGENT shipment was optimized in real time (contract §1), else 202 queued.
    statusCode: result.realtime?.kind === 'optimized' ? 200 : 202,
    body: shipmentView(result.state),
    headers: {
      Location: `/v1/shipments/${encodeURIComponent(result.state.shipmentId)}`,
      ...replayHeader(result),
    },
  };
});

export const replaceShipment = httpEndpoint(replace, async (req) => {
  const result = await acceptShipment(
    {
      body: req.body,
      correlationId: req.correlationId,
      mode: 'replace',
      pathShipmentId: req.pathParameters.shipmentId,
    },
    deps,
  );
  return {
    statusCode: result.realtime?.kind === 'optimized' ? 200 : 202,
    body: shipmentView(result.state),
    headers: replayHeader(result),
  };
});

export const cancel = httpEndpoint(
  {
    ...limits,
    path: ShipmentPath,
    body: CancelBody,
    optionalBody: true,
    ...idempotent('api.CancelShipment'),
  },
  async (req) => {
    const state = await cancelShipment(
      { shipmentId: req.pathParameters.shipmentId ?? '', body: req.body, correlationId: req.correlationId },
      deps,
    );
    return { statusCode: 200, body: shipmentView(state) };
  },
);

export const get = httpEndpoint({ ...limits, path: ShipmentPath }, async (req) => {
  const state = await getShipment(req.pathParameters.shipmentId ?? '', deps);
  return { statusCode: 200, body: shipmentView(state) };
});

export const list = httpEndpoint({ ...limits, query: ListShipmentsQuery }, async (req) => {
  const query = req.query as ListShipmentsQuery;
  const page = await listShipments(query, deps);
  const next = page.nextCursor
    ? `/v1/shipments?${new URLSearchParams({
        ...Object.fromEntries(
          Object.entries(query)
            .filter(([k, v]) => k !== 'cursor' && v !== undefined)
            .map(([k, v]) => [k, String(v)]),
        ),
        cursor: page.nextCursor,
      })}`
    : null;
  return {
    statusCode: 200,
    body: { items: page.items.map(shipmentView), nextCursor: page.nextCursor ?? null, links: { next } },
  };
});

export const route = httpEndpoint({ ...limits, path: RoutePath }, async (req) => {
  const routeId = req.pathParameters.routeId ?? '';
  const found = await deps.batches.getRoute(routeId);
  if (!found) throw new NotFoundError(`route ${routeId} not found`);
  return { statusCode: 200, body: found };
});

export const events = httpEndpoint({ ...limits, path: ShipmentPath }, async (req) => {
  const shipmentId = req.pathParameters.shipmentId ?? '';
  const trail = await shipmentEvents(shipmentId, deps);
  return { statusCode: 200, body: { shipmentId, events: trail.map(auditEventView) } };
});

/** A version sent again with the same body answers the stored state, as an Idempotency-Key replay does. */
function replayHeader(result: {
  outcome: 'created' | 'updated' | 'replayed';
  state: ShipmentState;
}): Record<string, string> {
  if (result.outcome !== 'replayed') return {};
  return { 'Idempotent-Replayed': 'true', [ORIGINAL_CORRELATION_HEADER]: result.state.correlationId };
}
