import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpsFigures } from '../../local/ops/figures';
import type { ShipmentBody } from '../../shared/schemas/shipment';
import { launchChromium } from '../support/chromium';
import { api, type RuntimeProcess, startRuntimeProcess } from '../support/runtime-process';

/**
 * The operations page in a real browser: Debian's chromium driven by playwright-core, against the
 * local runtime (`npm start`) on TIME_SCALE=60, so a 10-minute window closes in 10 s.
 */
const SCREENSHOT = join(process.cwd(), 'docs', 'ops-page.png');

// Page-side functions see the page's globals; the test program has no DOM types (Node only).
type PageGlobals = {
  opsState: { refreshes: number; figures: OpsFigures | null };
  document: { querySelector(selector: string): { textContent: string | null } | null };
};
const DEPOTS = {
  'ops-north': { depotId: 'STO-1', lat: 59.33, lon: 18.06 },
  'ops-west': { depotId: 'GOT-1', lat: 57.7, lon: 11.97 },
} as const;

function shipment(
  i: number,
  region: keyof typeof DEPOTS,
  overrides: Partial<ShipmentBody> = {},
): ShipmentBody {
  const depot = DEPOTS[region];
  const angle = (i * 137.5 * Math.PI) / 180;
  return {
    shipmentId: `OPS-${region}-${i}`,
    version: 1,
    region,
    serviceLevel: 'NEXT_DAY',
    origin: depot,
    destination: { lat: depot.lat + 0.03 * Math.sin(angle), lon: depot.lon + 0.05 * Math.cos(angle) },
    weightKg: 4 + i,
    ...overrides,
  };
}

let runtime: RuntimeProcess;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  runtime = await startRuntimeProcess({ env: { TIME_SCALE: '60' } });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
  runtime?.cleanup();
});

const figures = () => page.evaluate('window.opsState.figures') as Promise<OpsFigures | null>;
const points = async (chart: string) =>
  Number(await page.locator(`[data-chart="${chart}"]`).getAttribute('data-points'));
const tileValue = (id: string) => page.locator(`[data-testid="${id}"] b`).textContent();
const canvas = (chart: string) =>
  page.evaluate(`document.querySelector('[data-chart="${chart}"] canvas').toDataURL()`) as Promise<string>;

describe('the ops page in chromium', () => {
  it('refuses /ops and its figures without the API key', async () => {
    const res = await fetch(`${runtime.url}/ops/figures.json`);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const wrong = await fetch(`${runtime.url}/ops/figures.json`, { headers: { 'x-api-key': 'local_wrong' } });
    expect(wrong.status).toBe(403);
    const login = await page.goto(`${runtime.url}/ops`);
    expect(login?.status()).toBe(401);
    await expect(page.locator('input[name="key"]').count()).resolves.toBe(1);
    const bad = await page.goto(`${runtime.url}/ops?key=local_not_it`);
    expect(bad?.status()).toBe(403);
  });

  it('signs in with the key, then shows the figures and charts change as shipments flow', async () => {
    await page.goto(`${runtime.url}/ops`);
    await page.fill('input[name="key"]', runtime.apiKey);
    await Promise.all([page.waitForURL(`${runtime.url}/ops`), page.click('button[type="submit"]')]);
    await page.waitForFunction(
      () => ((globalThis as unknown as Partial<PageGlobals>).opsState?.refreshes ?? 0) >= 1,
    );
    // The key went into an HttpOnly cookie: not in the address bar, not readable by scripts.
    expect(page.url()).toBe(`${runtime.url}/ops`);
    expect(await page.evaluate('document.cookie')).toBe('');

    const before = await figures();
    expect(before?.callbacks).toMatchObject({ delivered: 0, failed: 0 });
    expect(before?.recentBatches).toEqual([]);
    expect(before?.latency.realtime.count).toBe(0);
    expect(before?.queues.map((q) => q.name)).toEqual(
      expect.arrayContaining([
        'UrgentShipments',
        'StandardShipments-dlq',
        'BatchJobsStandard',
        'CallbackDeadLetters',
      ]),
    );
    expect(await tileValue('delivered')).toBe('0');
    expect(await points('latency')).toBe(0);
    expect(await points('callbacks')).toBe(0);
    const latencyCanvasBefore = await canvas('latency');
    const callbacksCanvasBefore = await canvas('callbacks');

    // The fake SCM rejects the first callback with 400: that shipment is CALLBACK_FAILED, dead-lettered.
    const { fakeScmUrl } = JSON.parse(readFileSync(join(runtime.dataDir, 'callbacks.json'), 'utf8')) as {
      fakeScmUrl: string;
    };
    const control = await fetch(`${fakeScmUrl}/_control`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ failNext: 1, failWith: 400 }),
    });
    expect(control.ok).toBe(true);

    const call = api(runtime);
    const bodies = [
      ...Array.from({ length: 6 }, (_, i) => shipment(i, 'ops-north')),
      ...Array.from({ length: 4 }, (_, i) => shipment(i, 'ops-west')),
      shipment(10, 'ops-north', { serviceLevel: 'SAME_DAY' }),
      shipment(11, 'ops-west', { serviceLevel: 'SAME_DAY' }),
    ];
    for (const b of bodies) {
      const res = await call('POST', '/v1/shipments', b);
      expect([200, 202], JSON.stringify(res.body)).toContain(res.status);
    }

    const settled = page.waitForFunction(
      (n) => {
        const f = (globalThis as unknown as PageGlobals).opsState.figures;
        return (
          !!f &&
          f.callbacks.delivered + f.callbacks.failed >= n &&
          f.recentBatches.some((b) => b.kind === 'window' && b.optimized > 0) &&
          f.plans.filter((p) => p.stops > 0).length >= 4
        );
      },
      bodies.length,
      { timeout: 110_000, polling: 500 },
    );
    await settled.catch(async (error: unknown) => {
      const f = await figures();
      throw new Error(`figures did not settle: ${JSON.stringify({ ...f, series: undefined })}`, {
        cause: error,
      });
    });
    const after = (await figures()) as OpsFigures;
    // The living plans: tomorrow's (NEXT_DAY) and today's (SAME_DAY) of both regions, with their cutoffs.
    const nextDay = (await call('GET', `/v1/shipments/${bodies[0]?.shipmentId}`)).body as {
      serviceDate: string;
    };
    for (const region of ['ops-north', 'ops-west']) {
      const plan = after.plans.find((p) => p.region === region && p.serviceDate === nextDay.serviceDate);
      expect(plan, region).toMatchObject({ revision: expect.any(Number), callbacksHeld: false });
      expect(plan?.stops).toBe(region === 'ops-north' ? 6 : 4);
      expect(plan?.routes).toBeGreaterThanOrEqual(1);
      expect(plan?.distanceKm).toBeGreaterThan(0);
      // The default cutoff: 20:00 UTC the day before. Before it the plan is open; a run of this
      // test late in the evening (service clock 60x) plans tomorrow after its cutoff: same day.
      const cutoff = Date.parse(`${nextDay.serviceDate}T00:00:00Z`) - 4 * 3600_000;
      expect(plan?.cutoffAt).toBe(new Date(cutoff).toISOString());
      if (Date.now() + 3 * 3600_000 < cutoff) expect(plan?.state).toBe('open');
      if (Date.now() > cutoff) expect(plan?.state).toBe('same-day');
    }
    expect(after.plans.filter((p) => p.region.startsWith('ops-')).length).toBeGreaterThanOrEqual(4);
    expect(after.callbacks.failed).toBe(1);
    // Every shipment but the rejected one got its first assignment through. A later window of the
    // same plan may move a shipment or its ETA (a `route_updated`, delivered too): the figure counts
    // every delivery the fake SCM answered 2xx, never fewer than one a shipment.
    const received = (await (await fetch(`${fakeScmUrl}/_received`)).json()) as {
      body: string;
      answer: number | string;
    }[];
    const ok = received.filter((r) => typeof r.answer === 'number' && r.answer >= 200 && r.answer < 300);
    const firstAssigned = new Set(
      ok
        .map((r) => JSON.parse(r.body) as { type: string; data: { shipmentId: string } })
        .filter((b) => b.type === 'shipment.route_optimized')
        .map((b) => b.data.shipmentId),
    );
    expect(firstAssigned.size).toBe(bodies.length - 1);
    expect(after.callbacks.delivered).toBeGreaterThanOrEqual(bodies.length - 1);
    expect(after.callbacks.delivered).toBeLessThanOrEqual(ok.length);
    expect(after.latency.realtime.count).toBeGreaterThanOrEqual(2);
    expect(after.latency.optimization.STANDARD.count).toBeGreaterThanOrEqual(1);
    expect(after.latency.endToEnd.count).toBe(bodies.length - 1);
    expect(after.recentBatches.map((b) => b.region)).toEqual(
      expect.arrayContaining(['ops-north', 'ops-west']),
    );
    const failedShipment = after.flagged.find((s) => s.status === 'CALLBACK_FAILED');
    expect(failedShipment?.shipmentId).toMatch(/^OPS-ops-/);
    expect(after.breakers).toHaveLength(1);
    expect(after.breakers[0]?.state).toBe('closed');

    // What the operator sees: tiles, tables and charts moved with the figures.
    await page.waitForFunction(
      () =>
        Number(
          (globalThis as unknown as PageGlobals).document.querySelector('[data-testid="dead-letters"] b')
            ?.textContent,
        ) >= 1,
      null,
      { timeout: 15_000 },
    );
    expect(Number(await tileValue('delivered'))).toBeGreaterThanOrEqual(after.callbacks.delivered);
    expect(await tileValue('failed')).toBe('1');
    await expect(page.locator('[data-testid="flagged"] tbody').textContent()).resolves.toContain(
      failedShipment?.shipmentId ?? '?',
    );
    await expect(page.locator('[data-testid="plans"] tbody').textContent()).resolves.toMatch(
      /ops-north[\s\S]*ops-west|ops-west[\s\S]*ops-north/,
    );
    const batchRows = await page.locator('[data-testid="batches"] tbody tr').count();
    expect(batchRows).toBeGreaterThanOrEqual(2);
    await expect(page.locator('[data-testid="batches"] tbody').textContent()).resolves.toMatch(
      /ops-north[\s\S]*%/,
    );
    expect(await points('latency')).toBeGreaterThan(0);
    expect(await points('callbacks')).toBeGreaterThan(0);
    expect(await points('e2e')).toBeGreaterThan(0);
    expect(await canvas('latency')).not.toBe(latencyCanvasBefore);
    expect(await canvas('callbacks')).not.toBe(callbacksCanvasBefore);

    mkdirSync(join(process.cwd(), 'docs'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });
});
