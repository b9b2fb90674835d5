import { request } from 'node:http';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaContext } from '../../local/services/queue-poller';
import { sampleShipment } from '../support/arbitraries';
import {
  IN_PROCESS_API_KEY,
  type InProcessServices,
  startInProcessServices,
} from '../support/in-process-api';

/** The edges of HTTP (issue 8): hostile paths and headers through the local gateway and the real handlers. */
let services: InProcessServices;
let api: Awaited<ReturnType<InProcessServices['process']>>;

beforeAll(async () => {
  services = await startInProcessServices();
  api = await services.process();
});

afterAll(async () => {
  await api?.close();
  await services?.close();
});

type Problem = {
  type: string;
  status: number;
  errors?: { field: string }[];
  correlationId?: string;
  instance?: string;
};

const send = async (method: string, path: string, headers: Record<string, string> = {}, body?: string) => {
  const response = await fetch(`${api.url}${path}`, { method, headers, ...(body ? { body } : {}) });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : {}) as Problem,
  };
};

describe('bad percent-encoding in a path (issue 8.8)', () => {
  const shipmentBody = JSON.stringify({ shipmentId: 'X', version: 1 });
  const cases: { method: string; path: string; field: string; body?: string }[] = [
    { method: 'GET', path: '/v1/shipments/%ZZ', field: 'shipmentId' },
    { method: 'GET', path: '/v1/shipments/%E0%A4%A', field: 'shipmentId' },
    { method: 'GET', path: '/v1/shipments/%C0%AE%C0%AE', field: 'shipmentId' },
    { method: 'GET', path: '/v1/shipments/%', field: 'shipmentId' },
    { method: 'GET', path: '/v1/shipments/%ZZ/events', field: 'shipmentId' },
    { method: 'PUT', path: '/v1/shipments/%E0%A4%A', field: 'shipmentId', body: shipmentBody },
    { method: 'POST', path: '/v1/shipments/%/cancel', field: 'shipmentId' },
    { method: 'GET', path: '/v1/routes/%C0%AE%C0%AE', field: 'routeId' },
  ];

  it('answers 401 without a key and 403 with a wrong one, before looking at the path', async () => {
    for (const c of cases) {
      const json: Record<string, string> = c.body ? { 'content-type': 'application/json' } : {};
      const missing = await send(c.method, c.path, json, c.body);
      expect(missing.status, `${c.method} ${c.path}`).toBe(401);
      expect(missing.headers.get('content-type')).toBe('application/problem+json');
      const wrong = await send(c.method, c.path, { ...json, 'x-api-key': 'local_wrong' }, c.body);
      expect(wrong.status, `${c.method} ${c.path}`).toBe(403);
    }
  });

  it('answers 400 problem+json naming the path parameter with a valid key', async () => {
    for (const c of cases) {
      const json: Record<string, string> = c.body ? { 'content-type': 'application/json' } : {};
      const r = await send(c.method, c.path, { ...json, 'x-api-key': IN_PROCESS_API_KEY }, c.body);
      expect(r.status, `${c.method} ${c.path}`).toBe(400);
      expect(r.headers.get('content-type')).toBe('application/problem+json');
      expect(r.body.errors?.map((e) => e.field)).toEqual([c.field]);
    }
  });

  it('the handlers themselves answer 400, never 5xx, for any path parameter', async () => {
    const hostile = ['%ZZ', '%E0%A4%A', '\uD800', 'a/b', '', ' ', 'x'.repeat(5000), 'SHP 1', '\u0000'];
    const event = (resource: string, pathParameters: Record<string, string> | null) =>
      ({
        resource,
        path: resource,
        httpMethod: 'GET',
        headers: {},
        multiValueHeaders: {},
        queryStringParameters: null,
        multiValueQueryStringParameters: null,
        pathParameters,
        stageVariables: null,
        body: null,
        isBase64Encoded: false,
        requestContext: {} as APIGatewayProxyEvent['requestContext'],
      }) satisfies APIGatewayProxyEvent;
    const routes = [
      { handler: 'get', resource: '/v1/shipments/{shipmentId}', name: 'shipmentId' },
      { handler: 'events', resource: '/v1/shipments/{shipmentId}/events', name: 'shipmentId' },
      { handler: 'route', resource: '/v1/routes/{routeId}', name: 'routeId' },
    ];
    for (const route of routes) {
      const handler = api.handlers[route.handler];
      if (!handler) throw new Error(route.handler);
      for (const value of [...hostile, null]) {
        const r = await handler(
          event(route.resource, value === null ? null : { [route.name]: value }),
          lambdaContext(route.handler),
        );
        expect(r.statusCode, `${route.handler} ${JSON.stringify(value)?.slice(0, 40)}`).toBe(400);
        expect((JSON.parse(r.body) as Problem).errors?.map((e) => e.field)).toEqual([route.name]);
      }
    }
  });
});

/** A request with the headers exactly as given (repeated names stay separate lines, unlike fetch). */
function rawRequest(url: string, method: string, headers: [string, string][], body: string) {
  return new Promise<{ status: number; contentType: string | undefined; body: Problem }>(
    (resolve, reject) => {
      // A raw header list replaces Node's defaults: Host and Content-Length are ours to send.
      const raw = [
        ['Host', new URL(url).host],
        ['Content-Length', String(Buffer.byteLength(body))],
        ...headers,
      ];
      const req = request(url, { method, headers: raw.flat() }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'],
            body: JSON.parse(text),
          }),
        );
      });
      req.on('error', reject);
      req.end(body);
    },
  );
}

describe('two Content-Type headers (issue 8.10)', () => {
  const body = JSON.stringify({ shipmentId: 'CT-1' });
  it('answers 415 through the gateway, whichever comes first', async () => {
    for (const types of [
      ['application/json', 'text/plain'],
      ['text/plain', 'application/json'],
      ['application/json', 'application/json'],
    ]) {
      const r = await rawRequest(
        `${api.url}/v1/shipments`,
        'POST',
        [['x-api-key', IN_PROCESS_API_KEY], ...types.map((t): [string, string] => ['Content-Type', t])],
        body,
      );
      expect(r.status, types.join(' + ')).toBe(415);
      expect(r.contentType).toBe('application/problem+json');
      expect(r.body.type).toMatch(/unsupported-media-type$/);
    }
  });

  it('answers 415 from the handler when API Gateway passes both in multiValueHeaders', async () => {
    const handler = api.handlers.createShipment;
    if (!handler) throw new Error('createShipment');
    const r = await handler(
      {
        resource: '/v1/shipments',
        path: '/v1/shipments',
        httpMethod: 'POST',
        headers: { 'Content-Type': 'application/json' },
        multiValueHeaders: { 'Content-Type': ['text/plain', 'application/json'] },
        queryStringParameters: null,
        multiValueQueryStringParameters: null,
        pathParameters: null,
        stageVariables: null,
        body,
        isBase64Encoded: false,
        requestContext: {} as APIGatewayProxyEvent['requestContext'],
      } satisfies APIGatewayProxyEvent,
      lambdaContext('CreateShipment'),
    );
    expect(r.statusCode).toBe(415);
  });
});

describe('contract: PUT of an URGENT shipment (issue 8.14)', () => {
  it('answers 200 with its route when it is optimized in real time, like POST', async () => {
    const put = async (version: number) => {
      const r = await fetch(`${api.url}/v1/shipments/EDGE-URG-1`, {
        method: 'PUT',
        headers: { 'x-api-key': IN_PROCESS_API_KEY, 'content-type': 'application/json' },
        body: JSON.stringify(
          sampleShipment({
            shipmentId: 'EDGE-URG-1',
            version,
            region: 'edge-urgent',
            serviceLevel: 'SAME_DAY',
            timeWindow: undefined,
            weightKg: 10 + version,
          }),
        ),
      });
      return { status: r.status, body: (await r.json()) as { status: string; route?: { routeId: string } } };
    };
    const created = await api.post(
      sampleShipment({
        shipmentId: 'EDGE-URG-1',
        region: 'edge-urgent',
        serviceLevel: 'SAME_DAY',
        timeWindow: undefined,
      }),
    );
    expect(created.status).toBe(200);
    const replaced = await put(2);
    expect(replaced.status).toBe(200);
    expect(replaced.body.status).toBe('OPTIMIZED');
    expect(replaced.body.route?.routeId).toEqual(expect.any(String));
  });
});
