import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, START, startHarness } from './harness';

/**
 * The deployed delivery definition (rendered from the CDK construct), run by aws-local-stepfunctions
 * against the real task handlers, DynamoDB (dynalite), SQS (local-aws-sqs) and the fake SCM.
 */
let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const retryWaits = () => h.waits.filter((w) => w.state === 'WaitBeforeRetry').map((w) => w.ms / 1000);
const attemptTimes = (webhookId: string) =>
  h.scm
    .received()
    .filter((r) => r.webhookId === webhookId)
    .map((r) => (Date.parse(r.receivedAt) - START) / 1000);

async function deliverOne(id = 'SHP-1') {
  const envelope = await h.optimizedShipment(id);
  const run = h.machine.start(envelope);
  await h.runToEnd();
  const output = await run.result.catch((error: unknown) => ({ failed: error }));
  return { envelope, output, webhookId: `msg_${(envelope.detail as { eventId: string }).eventId}` };
}

describe('callback delivery state machine', () => {
  it('2xx: one signed POST, callback COMPLETED, shipment OPTIMIZED → CALLBACK_PENDING → ROUTE_APPLIED', async () => {
    const { webhookId } = await deliverOne();
    const received = h.scm.received();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      webhookId,
      verified: true,
      answer: 200,
      correlationId: 'corr-SHP-1',
    });
    const body = JSON.parse(received[0]?.body ?? '{}');
    expect(body).toMatchObject({
      type: 'shipment.route_optimized',
      data: {
        shipmentId: 'SHP-1',
        version: 1,
        correlationId: 'corr-SHP-1',
        routeId: 'R-SHP-1',
        sequence: 3,
        stops: 12,
      },
    });
    expect((await h.shipment('SHP-1'))?.status).toBe('ROUTE_APPLIED');
    expect(await h.trail('SHP-1')).toEqual([
      'shipment.created:QUEUED',
      'shipment.optimizing:OPTIMIZING',
      'shipment.optimized:OPTIMIZED',
      'shipment.callback_pending:CALLBACK_PENDING',
      'shipment.route_applied:ROUTE_APPLIED',
    ]);
    expect(await h.deps.callbacks.get(webhookId)).toMatchObject({
      status: 'COMPLETED',
      outcome: 'applied',
      attempts: 1,
    });
    expect(h.waits).toEqual([]);
  });

  it('signature verifies with an independent HMAC-SHA256 over "{id}.{timestamp}.{body}"', async () => {
    await deliverOne();
    const [r] = h.scm.received();
    if (!r) throw new Error('nothing received');
    const key = Buffer.from(h.secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key)
      .update(`${r.webhookId}.${r.timestamp}.${r.body}`)
      .digest('base64');
    expect(r.signature.split(' ')).toContain(`v1,${expected}`);
    expect(Math.abs(Number(r.timestamp) - Date.now() / 1000)).toBeLessThan(60);
  });

  it('5xx five times: attempts at 0, +30, +60, +120, +300 s, then the DLQ, CALLBACK_FAILED and callback.failed', async () => {
    h.scm.control({ failNext: 100, failWith: 500 });
    const { webhookId, output } = await deliverOne();
    expect(retryWaits()).toEqual([30, 60, 120, 300]);
    expect(attemptTimes(webhookId)).toEqual([0, 30, 90, 210, 510]);
    expect(output).toHaveProperty('failed');
    const letters = await h.drainDlq();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ webhookId, shipmentId: 'SHP-1', attempts: 5 });
    expect(letters[0]?.body).toBe(h.scm.received()[0]?.body);
    expect((await h.shipment('SHP-1'))?.status).toBe('CALLBACK_FAILED');
    expect(await h.trail('SHP-1')).toContain('shipment.callback_failed:CALLBACK_FAILED');
    expect(h.publisher.published.map((m) => m.detailType)).toContain('callback.failed');
    expect(await h.deps.callbacks.get(webhookId)).toMatchObject({
      status: 'FAILED',
      outcome: 'exhausted',
      totalAttempts: 5,
    });
    expect(new Set(h.scm.received().map((r) => r.webhookId))).toEqual(new Set([webhookId]));
  });

  it('retries 408, 429, timeouts and network errors, then succeeds', async () => {
    for (const failWith of [408, 429, 'timeout', 'network'] as const) {
      h.scm.control({ failNext: 1, failWith });
      const id = `SHP-${failWith}`;
      const { webhookId } = await deliverOne(id);
      expect(
        h.scm
          .received()
          .filter((r) => r.webhookId === webhookId)
          .map((r) => r.answer),
      ).toEqual([failWith, 200]);
      expect((await h.shipment(id))?.status).toBe('ROUTE_APPLIED');
    }
    expect(retryWaits()).toEqual([30, 30, 30, 30]);
  });

  it('a timeout is declared after 10 s of no answer', async () => {
    h.scm.control({ failNext: 1, failWith: 'timeout' });
    const { webhookId } = await deliverOne();
    expect(attemptTimes(webhookId)).toEqual([0, 40]); // 10 s timeout, then the 30 s wait
    expect(await h.deps.callbacks.get(webhookId)).toMatchObject({ status: 'COMPLETED', totalAttempts: 2 });
  });

  it('409: STALE, then re-queued (QUEUED, shipment.requeued on the bus); no retry', async () => {
    h.scm.control({ answer: 409 });
    const { webhookId } = await deliverOne();
    expect(h.scm.received()).toHaveLength(1);
    expect(await h.trail('SHP-1')).toEqual([
      'shipment.created:QUEUED',
      'shipment.optimizing:OPTIMIZING',
      'shipment.optimized:OPTIMIZED',
      'shipment.callback_pending:CALLBACK_PENDING',
      'shipment.stale:STALE',
      'shipment.requeued:QUEUED',
    ]);
    expect(h.publisher.published.map((m) => m.detailType)).toContain('shipment.requeued');
    expect(await h.deps.callbacks.get(webhookId)).toMatchObject({ status: 'COMPLETED', outcome: 'stale' });
  });

  it('410: CANCELLED; no retry', async () => {
    h.scm.control({ answer: 410 });
    await deliverOne();
    expect(h.scm.received()).toHaveLength(1);
    expect((await h.shipment('SHP-1'))?.status).toBe('CANCELLED');
    expect(await h.trail('SHP-1')).toContain('shipment.cancelled:CANCELLED');
  });

  it('400: permanent, no retry, straight to the DLQ', async () => {
    h.scm.control({ answer: 400 });
    const { webhookId } = await deliverOne();
    expect(h.scm.received()).toHaveLength(1);
    expect(h.waits).toEqual([]);
    const letters = await h.drainDlq();
    expect(letters.map((l) => l.webhookId)).toEqual([webhookId]);
    expect(letters[0]?.reason).toMatch(/400/);
    expect((await h.shipment('SHP-1'))?.status).toBe('CALLBACK_FAILED');
    expect(await h.deps.callbacks.get(webhookId)).toMatchObject({ status: 'FAILED', outcome: 'rejected' });
  });

  it('honours a Retry-After longer than the next wait, capped at 900 s; ignores a shorter one', async () => {
    h.scm.control({ failNext: 3, failWith: 503, retryAfter: 200 });
    const first = await deliverOne('SHP-A');
    expect(attemptTimes(first.webhookId)).toEqual([0, 200, 400, 600]); // 200 > 30, 60, 120
    h.waits.length = 0;
    h.scm.control({ failNext: 1, failWith: 429, retryAfter: 5000 });
    await deliverOne('SHP-B');
    expect(retryWaits()).toEqual([900]);
    h.waits.length = 0;
    h.scm.control({ failNext: 1, failWith: 503, retryAfter: 5 });
    await deliverOne('SHP-C');
    expect(retryWaits()).toEqual([30]);
  });

  it('a duplicate route.optimized (at-least-once bus) sends one callback', async () => {
    const envelope = await h.optimizedShipment('SHP-1');
    h.machine.start(envelope);
    h.machine.start({ ...envelope, id: 'another-delivery-of-the-same-event' });
    await h.runToEnd();
    expect(h.scm.received()).toHaveLength(1);
  });
});

describe('shadow mode (CALLBACK_MODE=shadow)', () => {
  it('records the callback without reaching the SCM; with SHADOW_CALLBACK_URL it goes there instead', async () => {
    h.deps.config.mode = 'shadow';
    const { webhookId } = await deliverOne('SHP-S1');
    expect(h.scm.received()).toEqual([]);
    expect(await h.deps.callbacks.get(webhookId)).toMatchObject({
      status: 'COMPLETED',
      outcome: 'shadowed',
      mode: 'shadow',
    });
    expect((await h.shipment('SHP-S1'))?.status).toBe('CALLBACK_PENDING');

    h.deps.config.shadowUrl = `${h.scm.url}/shadow`;
    const second = await deliverOne('SHP-S2');
    const received = h.scm.received();
    expect(received.map((r) => r.webhookId)).toEqual([second.webhookId]);
    expect(received[0]?.verified).toBe(true);
    expect((await h.shipment('SHP-S2'))?.status).toBe('CALLBACK_PENDING');
  });
});

describe('the fake SCM', () => {
  it('rejects a tampered body and a timestamp outside 5 minutes (standardwebhooks verify)', async () => {
    const post = (headers: Record<string, string>, body: string) =>
      fetch(h.scm.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    const sign = (id: string, ts: number, body: string) => {
      const key = Buffer.from(h.secret.slice('whsec_'.length), 'base64');
      return `v1,${createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64')}`;
    };
    const body = JSON.stringify({ type: 'shipment.route_optimized', data: { shipmentId: 'X', version: 1 } });
    const now = Math.floor(Date.now() / 1000);
    const ok = await post(
      {
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(now),
        'webhook-signature': sign('msg_1', now, body),
      },
      body,
    );
    expect(ok.status).toBe(200);
    const tampered = await post(
      {
        'webhook-id': 'msg_2',
        'webhook-timestamp': String(now),
        'webhook-signature': sign('msg_2', now, body),
      },
      body.replace('"X"', '"Y"'),
    );
    expect(tampered.status).toBe(401);
    const old = now - 301;
    const stale = await post(
      {
        'webhook-id': 'msg_3',
        'webhook-timestamp': String(old),
        'webhook-signature': sign('msg_3', old, body),
      },
      body,
    );
    expect(stale.status).toBe(401);
    const future = now + 330; // stays more than 5 minutes ahead while the test runs
    const early = await post(
      {
        'webhook-id': 'msg_4',
        'webhook-timestamp': String(future),
        'webhook-signature': sign('msg_4', future, body),
      },
      body,
    );
    expect(early.status).toBe(401);
    expect(h.scm.received().map((r) => r.verified)).toEqual([true, false, false, false]);
    const listing = await (await fetch(`${h.scm.url}/shipments?updatedSince=2026-01-01T00:00:00Z`)).json();
    expect(listing).toEqual([{ shipmentId: 'X', version: 1, status: 'ROUTE_APPLIED' }]);
  });
});
