import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type RuntimeProcess, startRuntimeProcess } from '../support/runtime-process';
import { until } from '../support/until';

/**
 * `npm start` with no SCM_CALLBACK_URL: the built-in fake SCM receives the callbacks. TIME_SCALE=60
 * makes the 30/60/120/300 s retry waits last 0.5/1/2/5 s.
 */
let runtime: RuntimeProcess;
let call: ReturnType<typeof api>;
let scmUrl: string;

beforeAll(async () => {
  runtime = await startRuntimeProcess({ env: { TIME_SCALE: '60' } });
  call = api(runtime);
  scmUrl = (
    JSON.parse(readFileSync(join(runtime.dataDir, 'callbacks.json'), 'utf8')) as { fakeScmUrl: string }
  ).fakeScmUrl;
});

afterAll(async () => {
  await runtime?.stop();
  runtime?.cleanup();
});

const urgent = (shipmentId: string) => ({
  shipmentId,
  version: 1,
  region: 'eu-north',
  serviceLevel: 'SAME_DAY',
  origin: { depotId: 'DEPOT-1', lat: 59.33, lon: 18.06 },
  destination: { lat: 59.4, lon: 17.95 },
  weightKg: 12.5,
});

type Received = {
  webhookId: string;
  verified: boolean;
  answer: number | string;
  body: string;
  correlationId?: string;
};
const received = async (): Promise<Received[]> =>
  (await fetch(`${scmUrl}/_received`)).json() as Promise<Received[]>;
const control = (body: unknown) =>
  fetch(`${scmUrl}/_control`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const statusOf = async (id: string) =>
  (await call('GET', `/v1/shipments/${id}`)).body?.status as string | undefined;

describe('callbacks in the local runtime', () => {
  it('an optimized shipment reaches the built-in fake SCM, signed, and ends ROUTE_APPLIED', async () => {
    const created = await call('POST', '/v1/shipments', urgent('SHP-CB-1'), {
      'x-correlation-id': 'corr-cb-1',
    });
    expect([200, 202]).toContain(created.status);
    const webhook = await until('the callback', async () =>
      (await received()).find((r) => r.body.includes('SHP-CB-1')),
    );
    expect(webhook).toMatchObject({ verified: true, answer: 200, correlationId: 'corr-cb-1' });
    await until('ROUTE_APPLIED', async () =>
      (await statusOf('SHP-CB-1')) === 'ROUTE_APPLIED' ? true : undefined,
    );
    const trail = (await call('GET', '/v1/shipments/SHP-CB-1/events')).body.events as { type: string }[];
    expect(trail.map((e) => e.type)).toEqual(
      expect.arrayContaining(['shipment.callback_pending', 'shipment.route_applied']),
    );
  });

  it('a STANDARD shipment is optimized in its 10-minute window (10 s at TIME_SCALE=60) and ends ROUTE_APPLIED, signed', async () => {
    const posted = Date.now();
    const created = await call('POST', '/v1/shipments', {
      ...urgent('SHP-CB-STD'),
      serviceLevel: 'NEXT_DAY',
    });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ status: 'QUEUED', priority: 'STANDARD' });
    await until(
      'the window to close and the batch to be optimized',
      async () => ((await call('GET', '/v1/shipments/SHP-CB-STD')).body?.route ? true : undefined),
      30_000,
    );
    // Not before its window closed: 600 s / 60 = 10 s after the first shipment of the window.
    expect(Date.now() - posted).toBeGreaterThan(9_000);
    const webhook = await until('the callback', async () =>
      (await received()).find((r) => r.body.includes('SHP-CB-STD')),
    );
    expect(webhook.verified).toBe(true);
    await until('ROUTE_APPLIED', async () =>
      (await statusOf('SHP-CB-STD')) === 'ROUTE_APPLIED' ? true : undefined,
    );
  });

  it('five failures: DLQ and CALLBACK_FAILED; npm run dlq:redrive delivers it with the same webhook-id', async () => {
    await control({ failNext: 5, failWith: 503 });
    await call('POST', '/v1/shipments', urgent('SHP-CB-2'));
    await until('CALLBACK_FAILED', async () =>
      (await statusOf('SHP-CB-2')) === 'CALLBACK_FAILED' ? true : undefined,
    );
    const attempts = (await received()).filter((r) => r.body.includes('SHP-CB-2'));
    expect(attempts.map((r) => r.answer)).toEqual([503, 503, 503, 503, 503]);
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      'local/cli/dlq-redrive.ts',
      '--queue',
      'CallbackDeadLetters',
      '--data-dir',
      runtime.dataDir,
    ]);
    expect(stdout).toMatch(/1 callback\(s\) redriven/);
    await until('ROUTE_APPLIED', async () =>
      (await statusOf('SHP-CB-2')) === 'ROUTE_APPLIED' ? true : undefined,
    );
    const all = (await received()).filter((r) => r.body.includes('SHP-CB-2'));
    expect(all).toHaveLength(6);
    expect(new Set(all.map((r) => r.webhookId)).size).toBe(1);
    expect(all[5]?.answer).toBe(200);
  }, 60_000);

  it('a callback still pending when the runtime stops is delivered after the restart (same DATA_DIR)', async () => {
    await control({ downForSeconds: 3600 });
    await call('POST', '/v1/shipments', urgent('SHP-CB-3'));
    await until('a refused attempt', async () =>
      (await received()).some((r) => r.body.includes('SHP-CB-3') && r.answer === 'network')
        ? true
        : undefined,
    );
    expect(await statusOf('SHP-CB-3')).toBe('CALLBACK_PENDING');
    await runtime.stop();
    runtime = await startRuntimeProcess({ dataDir: runtime.dataDir, env: { TIME_SCALE: '60' } });
    call = api(runtime);
    await until('ROUTE_APPLIED after the restart', async () =>
      (await statusOf('SHP-CB-3')) === 'ROUTE_APPLIED' ? true : undefined,
    );
    const after = (await received()).filter((r) => r.body.includes('SHP-CB-3'));
    expect(after.map((r) => r.answer)).toEqual([200]);
  }, 90_000);
});
