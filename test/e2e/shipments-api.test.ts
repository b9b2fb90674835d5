import { ChangeMessageVisibilityCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShipmentBody } from '../../shared/schemas/shipment';
import { sampleShipment as sample, tomorrowWindow } from '../support/arbitraries';
import { api, type RuntimeProcess, startRuntimeProcess } from '../support/runtime-process';

/** The sample shipment with tomorrow's window: a window that has ended is a 400 (contract §3a). */
const sampleShipment = (overrides: Partial<ShipmentBody> = {}) =>
  sample({ timeWindow: tomorrowWindow(), ...overrides });

const QUEUE_ONLY = { LOCAL_CONSUMERS: 'off', URGENT_BUDGET_MS: '1' };
let runtime: RuntimeProcess;
let call: ReturnType<typeof api>;
let sqs: SQSClient;

beforeAll(async () => {
  // Consumers off: this suite inspects the queues themselves. A 1 ms real-time budget sends URGENT
  // shipments to p0 instead of answering them with a route (that path is in pipeline.test.ts).
  runtime = await startRuntimeProcess({ env: QUEUE_ONLY });
  call = api(runtime);
  sqs = new SQSClient({
    endpoint: runtime.endpoints.sqs,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

afterAll(async () => {
  sqs?.destroy();
  await runtime?.stop();
  runtime?.cleanup();
});

/** Every message now in a queue: received (hidden) until none is left, then made visible again. */
async function peek(queueUrl: string) {
  const seen = new Map<string, { body: Record<string, unknown>; receipt: string }>();
  for (let i = 0; i < 100; i++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 30,
      }),
    );
    if (Messages.length === 0) break;
    for (const m of Messages)
      seen.set(m.MessageId ?? '', { body: JSON.parse(m.Body ?? '{}'), receipt: m.ReceiptHandle ?? '' });
  }
  for (const { receipt } of seen.values()) {
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: receipt,
        VisibilityTimeout: 0,
      }),
    );
  }
  return [...seen.values()].map((m) => m.body);
}

const inQueue = async (tier: 'p0' | 'p1' | 'p2', shipmentId: string) => {
  const messages = await peek(runtime.queues[tier].url);
  return messages.filter((m) => (m.detail as { shipmentId?: string }).shipmentId === shipmentId);
};

describe('shipment API over HTTP on the local runtime', () => {
  it('answers /health without a key and serves the OpenAPI document', async () => {
    expect((await fetch(`${runtime.url}/health`)).status).toBe(200);
    const doc = (await (await fetch(`${runtime.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: object;
    };
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/shipments',
        '/v1/shipments/{shipmentId}',
        '/v1/shipments/{shipmentId}/events',
      ]),
    );
  });

  it('creates a shipment: 202, GET shows QUEUED with its priority, the message sits in the right queue', async () => {
    const created = await call(
      'POST',
      '/v1/shipments',
      sampleShipment({ shipmentId: 'E2E-1', serviceLevel: 'ECONOMY' }),
      {
        'X-Correlation-Id': 'corr-e2e-1',
      },
    );
    expect(created.status).toBe(202);
    expect(created.headers.get('x-correlation-id')).toBe('corr-e2e-1');
    expect(created.body).toMatchObject({
      shipmentId: 'E2E-1',
      status: 'QUEUED',
      priority: 'BULK',
      version: 1,
    });

    const got = await call('GET', '/v1/shipments/E2E-1');
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ status: 'QUEUED', priority: 'BULK', correlationId: 'corr-e2e-1' });

    const messages = await inQueue('p2', 'E2E-1');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      'detail-type': 'shipment.created',
      source: 'scm.route-optimizer',
      detail: { shipmentId: 'E2E-1', priority: 'BULK', version: 1, correlationId: 'corr-e2e-1' },
    });
    expect(await inQueue('p0', 'E2E-1')).toHaveLength(0);
    expect(await inQueue('p1', 'E2E-1')).toHaveLength(0);
  });

  it('routes URGENT (SAME_DAY) to p0 and STANDARD to p1', async () => {
    await call('POST', '/v1/shipments', sampleShipment({ shipmentId: 'E2E-U', serviceLevel: 'SAME_DAY' }));
    await call('POST', '/v1/shipments', sampleShipment({ shipmentId: 'E2E-S', serviceLevel: 'NEXT_DAY' }));
    expect(await inQueue('p0', 'E2E-U')).toHaveLength(1);
    expect(await inQueue('p1', 'E2E-S')).toHaveLength(1);
  });

  it('rejects invalid bodies with 400 field errors; nothing stored or queued', async () => {
    const bad = {
      ...sampleShipment({ shipmentId: 'E2E-BAD' }),
      weightKg: -1,
      origin: { depotId: 'D', lat: 200, lon: 0 },
      extra: 1,
    };
    const res = await call('POST', '/v1/shipments', bad);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'extra',
      'origin.lat',
      'weightKg',
    ]);
    expect((await call('GET', '/v1/shipments/E2E-BAD')).status).toBe(404);
    for (const tier of ['p0', 'p1', 'p2'] as const) expect(await inQueue(tier, 'E2E-BAD')).toHaveLength(0);
  });

  it('answers 400 for malformed JSON, 415 for a body that is not JSON, 413 above 256 KiB', async () => {
    expect((await call('POST', '/v1/shipments', '{"shipmentId":')).status).toBe(400);
    const text = await fetch(`${runtime.url}/v1/shipments`, {
      method: 'POST',
      headers: { 'x-api-key': runtime.apiKey, 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(text.status).toBe(415);
    const big = await call('POST', '/v1/shipments', {
      ...sampleShipment({ shipmentId: 'E2E-BIG' }),
      pad: 'x'.repeat(300 * 1024),
    });
    expect(big.status).toBe(413);
    expect((await call('GET', '/v1/shipments/E2E-BIG')).status).toBe(404);
  });

  it('answers 401 without a key and 403 with a wrong one, storing nothing', async () => {
    const body = JSON.stringify(sampleShipment({ shipmentId: 'E2E-AUTH' }));
    const none = await fetch(`${runtime.url}/v1/shipments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(none.status).toBe(401);
    const wrong = await fetch(`${runtime.url}/v1/shipments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'nope' },
      body,
    });
    expect(wrong.status).toBe(403);
    expect((await call('GET', '/v1/shipments/E2E-AUTH')).status).toBe(404);
  });

  it('replays a duplicate POST with the same Idempotency-Key and rejects the key with another body (422)', async () => {
    const body = sampleShipment({ shipmentId: 'E2E-IDEM' });
    const first = await call('POST', '/v1/shipments', body, { 'Idempotency-Key': 'key-1' });
    const again = await call('POST', '/v1/shipments', body, { 'Idempotency-Key': 'key-1' });
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const other = await call(
      'POST',
      '/v1/shipments',
      { ...body, weightKg: 99 },
      { 'Idempotency-Key': 'key-1' },
    );
    expect(other.status).toBe(422);
    const events = await call('GET', '/v1/shipments/E2E-IDEM/events');
    expect(events.body.events).toHaveLength(1);
    expect(await inQueue('p1', 'E2E-IDEM')).toHaveLength(1);
  });

  it('treats the same version with the same body as a replay, and a stale version as 409 naming the stored one', async () => {
    const v1 = sampleShipment({ shipmentId: 'E2E-VER' });
    await call('POST', '/v1/shipments', v1);
    const replay = await call('POST', '/v1/shipments', v1);
    expect(replay.status).toBe(202);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const v3 = await call('PUT', '/v1/shipments/E2E-VER', { ...v1, version: 3, weightKg: 20 });
    expect(v3.status).toBe(202);
    expect(v3.body).toMatchObject({ version: 3, status: 'QUEUED' });
    const stale = await call('PUT', '/v1/shipments/E2E-VER', { ...v1, version: 2 });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ status: 409, storedVersion: 3 });
    const sameVersionOtherBody = await call('POST', '/v1/shipments', { ...v1, version: 3, weightKg: 21 });
    expect(sameVersionOtherBody.status).toBe(409);
    const events = await call('GET', '/v1/shipments/E2E-VER/events');
    expect(events.body.events.map((e: { type: string; version: number }) => [e.type, e.version])).toEqual([
      ['shipment.created', 1],
      ['shipment.updated', 3],
    ]);
  });

  it('rejects a PUT whose body id differs from the path, and a PUT of an unknown shipment', async () => {
    const mismatch = await call('PUT', '/v1/shipments/OTHER', sampleShipment({ shipmentId: 'E2E-PUT' }));
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.errors).toEqual([{ field: 'shipmentId', message: 'must equal the path id OTHER' }]);
    expect(
      (await call('PUT', '/v1/shipments/E2E-PUT', sampleShipment({ shipmentId: 'E2E-PUT' }))).status,
    ).toBe(404);
  });

  it('cancels: 200, CANCELLED, idempotent, and no later version is accepted', async () => {
    await call('POST', '/v1/shipments', sampleShipment({ shipmentId: 'E2E-CAN' }));
    const cancelled = await call('POST', '/v1/shipments/E2E-CAN/cancel', { reason: 'customer' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'CANCELLED', statusReason: 'customer' });
    expect((await call('POST', '/v1/shipments/E2E-CAN/cancel')).status).toBe(200);
    const reopened = await call(
      'POST',
      '/v1/shipments',
      sampleShipment({ shipmentId: 'E2E-CAN', version: 2 }),
    );
    expect(reopened.status).toBe(409);
    expect(reopened.body.type).toMatch(/\/shipment-cancelled$/);
    expect(reopened.body.detail).toContain('is cancelled');
    expect(reopened.body.storedVersion).toBe(1);
    expect((await call('POST', '/v1/shipments/NOPE/cancel')).status).toBe(404);
  });

  it('keeps every accepted shipment across a stop and a restart, and queues it again', async () => {
    await call('POST', '/v1/shipments', sampleShipment({ shipmentId: 'E2E-KEEP-1' }));
    await call(
      'POST',
      '/v1/shipments',
      sampleShipment({ shipmentId: 'E2E-KEEP-2', serviceLevel: 'SAME_DAY' }),
    );
    const { dataDir } = runtime;
    await runtime.stop();
    runtime = await startRuntimeProcess({ dataDir, env: QUEUE_ONLY });
    call = api(runtime);
    sqs = new SQSClient({
      endpoint: runtime.endpoints.sqs,
      region: 'eu-north-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    for (const id of ['E2E-1', 'E2E-KEEP-1', 'E2E-KEEP-2', 'E2E-VER']) {
      expect((await call('GET', `/v1/shipments/${id}`)).status).toBe(200);
    }
    expect((await call('GET', '/v1/shipments/E2E-CAN')).body.status).toBe('CANCELLED');
    expect(await inQueue('p1', 'E2E-KEEP-1')).toHaveLength(1);
    expect(await inQueue('p0', 'E2E-KEEP-2')).toHaveLength(1);
  });
});
