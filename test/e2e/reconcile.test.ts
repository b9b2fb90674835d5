import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type RuntimeProcess, startRuntimeProcess } from '../support/runtime-process';

/**
 * The hourly reconciliation on the local runtime's scaled clock (TIME_SCALE=120: an hour in 30 s),
 * with the consumers off so that QUEUED shipments look as if their queue message were gone.
 */
let runtime: RuntimeProcess;
let call: ReturnType<typeof api>;
const IDS = ['REC-E2E-1', 'REC-E2E-2', 'REC-E2E-3'];

beforeAll(async () => {
  runtime = await startRuntimeProcess({ env: { TIME_SCALE: '120', LOCAL_CONSUMERS: 'off' } });
  call = api(runtime);
  for (const [i, shipmentId] of IDS.entries()) {
    const res = await call('POST', '/v1/shipments', {
      shipmentId,
      version: 1,
      region: 'rec-e2e',
      serviceLevel: 'NEXT_DAY',
      origin: { depotId: 'DEPOT-1', lat: 59.33, lon: 18.06 },
      destination: { lat: 59.37 + i * 0.01, lon: 18.02 },
      weightKg: 6,
    });
    expect(res.status).toBe(202);
  }
});
afterAll(async () => {
  await runtime?.stop();
  runtime?.cleanup();
});

const requeuedByReconciliation = async (id: string) => {
  const res = await call('GET', `/v1/shipments/${id}/events`);
  return (
    res.body.events as { type: string; statusReason?: string; patch?: { statusReason?: string } }[]
  ).filter(
    (e) => e.type === 'shipment.requeued' && JSON.stringify(e).includes('reconciliation: QUEUED since'),
  ).length;
};

describe('reconciliation on the local runtime', () => {
  it('runs every service hour: QUEUED shipments without a message are re-queued once, counted on /ops', async () => {
    const deadline = Date.now() + 90_000;
    let counts: number[] = [];
    while (Date.now() < deadline) {
      counts = await Promise.all(IDS.map(requeuedByReconciliation));
      if (counts.every((n) => n >= 1)) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(counts).toEqual([1, 1, 1]);
    for (const id of IDS) expect((await call('GET', `/v1/shipments/${id}`)).body.status).toBe('QUEUED');
    const figures = await call('GET', '/ops/figures.json');
    expect(figures.body.stuckShipmentsFound).toBeGreaterThanOrEqual(3);
  });

  it('npm run reconcile -- --hourly --dry-run --json reports against the running runtime and changes nothing', () => {
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'local/cli/reconcile.ts',
        '--hourly',
        '--dry-run',
        '--json',
        '--data-dir',
        runtime.dataDir,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.stderr).not.toMatch(/error/i);
    const report = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(report).toMatchObject({ kind: 'hourly', dryRun: true, outcome: 'completed' });
    // Just re-queued by the runtime's own run: not stuck again.
    expect(report.items.filter((i: { shipmentId: string }) => IDS.includes(i.shipmentId))).toEqual([]);
    expect(run.status).toBe(0);
    const usage = spawnSync(process.execPath, ['--import', 'tsx', 'local/cli/reconcile.ts'], {
      encoding: 'utf8',
    });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('one of --hourly or --daily is required');
  });

  it('npm run reconcile -- --daily --dry-run --json reads the fake SCM listing of the running runtime', () => {
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'local/cli/reconcile.ts',
        '--daily',
        '--dry-run',
        '--json',
        '--data-dir',
        runtime.dataDir,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.stderr).not.toMatch(/error/i);
    const report = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(report).toMatchObject({ kind: 'daily', dryRun: true, outcome: 'completed', errors: 0 });
    expect(report.compared.scm).toBeGreaterThanOrEqual(0);
  });
});
