import { z } from 'zod';
import { RouteRecord } from './batching';
import { CancelBody, SHIPMENT_ID_PATTERN, ShipmentBody } from './shipment';
import { AuditEventType, RouteAssignment, ShipmentStatus } from './state';

const json = (schema: z.ZodType) => z.toJSONSchema(schema, { target: 'openapi-3.0', unrepresentable: 'any' });

const problem = {
  description: 'RFC 9457 problem details',
  content: {
    'application/problem+json': {
      schema: {
        type: 'object',
        required: ['type', 'title', 'status'],
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          instance: { type: 'string' },
          correlationId: { type: 'string' },
          storedVersion: { type: 'integer' },
          errors: {
            type: 'array',
            items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
          },
        },
      },
    },
  },
};

const shipmentResponse = {
  type: 'object',
  required: ['shipmentId', 'version', 'status', 'priority', 'region', 'correlationId', 'shipment'],
  properties: {
    shipmentId: { type: 'string' },
    version: { type: 'integer' },
    status: json(ShipmentStatus),
    priority: { type: 'string', enum: ['URGENT', 'STANDARD', 'BULK'] },
    region: { type: 'string' },
    serviceDate: {
      type: 'string',
      format: 'date',
      nullable: true,
      description:
        "Local date (the region's time zone) the shipment is delivered on: the date of timeWindow.start; without a window SAME_DAY is the day received, NEXT_DAY and ECONOMY the next working day (contract §3a).",
    },
    correlationId: { type: 'string' },
    receivedAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    statusReason: { type: 'string' },
    route: { ...json(RouteAssignment), nullable: true },
    shipment: json(ShipmentBody),
    links: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

const headers = {
  apiKey: { name: 'x-api-key', in: 'header', required: true, schema: { type: 'string' } },
  idempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description:
      'Same key + same body within 24 h replays the first response (Idempotent-Replayed: true); another body is 422; ' +
      'while another request with the key is in progress, 409 (type …/idempotent-request-in-progress): retry. ' +
      "A replay's X-Correlation-Id is this request's id, Original-Correlation-Id the first request's.",
    schema: { type: 'string', maxLength: 255 },
  },
  correlationId: { name: 'X-Correlation-Id', in: 'header', required: false, schema: { type: 'string' } },
  shipmentId: {
    name: 'shipmentId',
    in: 'path',
    required: true,
    schema: { type: 'string', pattern: SHIPMENT_ID_PATTERN.source },
  },
};

/** Problem answers of a /v1 operation: the given codes, plus API key (401/403) and throttling (429). */
const errors = (...codes: number[]) =>
  Object.fromEntries(
    [...new Set([...codes, 401, 403, 429])].sort((a, b) => a - b).map((c) => [String(c), problem]),
  );
const ok = (description: string) => ({
  description,
  content: { 'application/json': { schema: shipmentResponse } },
});

/** The OpenAPI 3.0 document, generated from the same zod schemas the handlers validate with. */
export function openApiDocument(serverUrl = '/') {
  const write = [headers.apiKey, headers.idempotencyKey, headers.correlationId];
  return {
    openapi: '3.0.3',
    info: {
      title: 'SCM route optimizer API',
      version: '1.0.0',
      description: 'Shipments in, optimized routes out (webhooks). Contract: docs/contract.md.',
    },
    servers: [{ url: serverUrl }],
    paths: {
      '/v1/shipments': {
        get: {
          summary: 'List shipments by status or region, a page at a time (oldest change first)',
          description:
            'A query on an index, never a scan: status or region is required; serviceDate and updatedSince narrow it. ' +
            'Follow nextCursor (or links.next) until it is null. An invalid parameter or cursor is a 400 naming it.',
          parameters: [
            headers.apiKey,
            headers.correlationId,
            { name: 'status', in: 'query', required: false, schema: json(ShipmentStatus) },
            {
              name: 'region',
              in: 'query',
              required: false,
              schema: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' },
            },
            { name: 'serviceDate', in: 'query', required: false, schema: { type: 'string', format: 'date' } },
            {
              name: 'updatedSince',
              in: 'query',
              required: false,
              schema: { type: 'string', format: 'date-time' },
            },
            {
              name: 'limit',
              in: 'query',
              required: false,
              schema: { type: 'integer', minimum: 1, maximum: 100, default: 50 },
            },
            { name: 'cursor', in: 'query', required: false, schema: { type: 'string' } },
          ],
          responses: {
            '200': {
              description: 'One page',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['items', 'nextCursor'],
                    properties: {
                      items: { type: 'array', items: shipmentResponse },
                      nextCursor: { type: 'string', nullable: true },
                      links: { type: 'object', properties: { next: { type: 'string', nullable: true } } },
                    },
                  },
                },
              },
            },
            ...errors(400),
          },
        },
        post: {
          summary: 'Create a shipment, or a newer version of it',
          parameters: write,
          description:
            'A timeWindow that has already ended, or starts beyond the planning horizon (FLEET_CONFIG planningHorizonDays, default 14 days), is a 400 naming timeWindow.end or timeWindow.start; nothing is stored. ' +
            'A destination farther from its origin depot than MAX_DELIVERY_RADIUS_KM (great-circle, default 1000 km) is a 400 naming destination.',
          requestBody: { required: true, content: { 'application/json': { schema: json(ShipmentBody) } } },
          responses: {
            '202': ok('Queued'),
            '200': ok('URGENT shipment optimized in real time'),
            ...errors(400, 401, 403, 409, 413, 415, 422, 429),
          },
        },
      },
      '/v1/shipments/{shipmentId}': {
        get: {
          summary: 'Current state, version and route assignment',
          parameters: [headers.apiKey, headers.correlationId, headers.shipmentId],
          responses: { '200': ok('The shipment'), ...errors(400, 401, 403, 404) },
        },
        put: {
          summary: 'Replace with a higher version',
          parameters: [...write, headers.shipmentId],
          requestBody: { required: true, content: { 'application/json': { schema: json(ShipmentBody) } } },
          responses: {
            '202': ok('Queued'),
            '200': ok('URGENT shipment optimized in real time'),
            ...errors(400, 401, 403, 404, 409, 413, 415, 422),
          },
        },
      },
      '/v1/shipments/{shipmentId}/cancel': {
        post: {
          summary: 'Cancel',
          parameters: [...write, headers.shipmentId],
          requestBody: { required: false, content: { 'application/json': { schema: json(CancelBody) } } },
          responses: { '200': ok('Cancelled'), ...errors(400, 401, 403, 404, 409, 415, 422) },
        },
      },
      '/v1/shipments/{shipmentId}/events': {
        get: {
          summary: 'The audit trail, oldest first',
          parameters: [headers.apiKey, headers.correlationId, headers.shipmentId],
          responses: {
            '200': {
              description: 'Audit trail',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      shipmentId: { type: 'string' },
                      events: {
                        type: 'array',
                        items: {
                          type: 'object',
                          required: ['eventId', 'type', 'version', 'correlationId', 'occurredAt'],
                          properties: {
                            eventId: { type: 'string' },
                            seq: { type: 'integer' },
                            type: json(AuditEventType),
                            version: { type: 'integer' },
                            status: json(ShipmentStatus),
                            correlationId: { type: 'string' },
                            occurredAt: { type: 'string', format: 'date-time' },
                            callbackMode: {
                              type: 'string',
                              enum: ['live', 'shadow'],
                              description:
                                'shipment.callback_pending: live (sent to the SCM) or shadow (recorded only, gradual rollout)',
                            },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
            ...errors(400, 401, 403, 404),
          },
        },
      },
      '/v1/routes/{routeId}': {
        get: {
          summary: 'One optimized route with its ordered stops',
          parameters: [
            headers.apiKey,
            headers.correlationId,
            {
              name: 'routeId',
              in: 'path',
              required: true,
              schema: { type: 'string', pattern: SHIPMENT_ID_PATTERN.source },
            },
          ],
          responses: {
            '200': {
              description: 'The route',
              content: { 'application/json': { schema: json(RouteRecord) } },
            },
            ...errors(400, 404),
          },
        },
      },
      '/health': {
        get: { summary: 'Liveness, no auth', responses: { '200': { description: 'Ready' } } },
      },
    },
  };
}
