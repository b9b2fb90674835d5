import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScript } from '../support/cli';
import { api, type RuntimeProcess, startRuntimeProcess } from '../support/runtime-process';
import { until } from '../support/until';

/**
 * The gradual rollout on the local runtime (`npm start`): live share 0 at start (LIVE_SHARE=0), so
 * callbacks are shadowed and listed by `npm run shadow:list`; `npm run rollout:set -- 1` while it
 * runs sends the next ones to the built-in fake SCM, after the 60 s cache (1 s at TIME_SCALE=60).
 */
let runtime: RuntimeProcess;
let call: ReturnType<typeof api>;
let scmUrl: string;

beforeAll(async () => {
  runtime = await startRuntimeProcess({ env: { TIME_SCALE: '60', CALLBACK_MODE: 'live', LIVE_SHARE: '0' } });
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

const pathOf = async (id: string) => {
  const events = (await call('GET', `/v1/shipments/${id}/events`)).body?.events as
    | { type: string; callbackMode?: string }[]
    | undefined;
  return events?.find((e) => e.type === 'shipment.callback_pending')?.callbackMode;
};
const receivedIds = async () =>
  ((await (await fetch(`${scmUrl}/_received`)).json()) as { body: string }[]).map(
    (r) => JSON.parse(r.body).data.shipmentId as string,
  );

describe('gradual rollout on the local runtime', () => {
  it('shadows at share 0, lists it with its signature; after rollout:set 1 the next callback is live', async () => {
    expect([200, 202]).toContain((await call('POST', '/v1/shipments', urgent('SHP-ROLL-1'))).status);
    expect(await until('the shadow path', () => pathOf('SHP-ROLL-1'))).toBe('shadow');
    const listed = await until('the shadow listing', async () => {
      const r = await runScript('local/cli/shadow-list.ts', ['--json', '--data-dir', runtime.dataDir]);
      const entries = JSON.parse(r.stdout || '[]') as {
        shipmentId: string;
        headers: Record<string, string>;
      }[];
      return entries.find((e) => e.shipmentId === 'SHP-ROLL-1');
    });
    expect(listed.headers['webhook-signature']).toMatch(/^v1,/);
    expect(await receivedIds()).not.toContain('SHP-ROLL-1');

    const set = await runScript('local/cli/rollout.ts', ['1', '--data-dir', runtime.dataDir]);
    expect(set.stdout).toContain('live share 0 → 1');
    await new Promise((r) => setTimeout(r, 1500)); // > 60 s of the service clock at TIME_SCALE=60
    expect([200, 202]).toContain((await call('POST', '/v1/shipments', urgent('SHP-ROLL-2'))).status);
    await until('the live callback', async () =>
      (await receivedIds()).includes('SHP-ROLL-2') ? true : undefined,
    );
    expect(await pathOf('SHP-ROLL-2')).toBe('live');
    await until('ROUTE_APPLIED', async () =>
      (await call('GET', '/v1/shipments/SHP-ROLL-2')).body?.status === 'ROUTE_APPLIED' ? true : undefined,
    );
    expect((await call('GET', '/v1/shipments/SHP-ROLL-1')).body?.status).toBe('CALLBACK_PENDING');
  });
});
