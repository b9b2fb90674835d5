import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type RuntimeProcess, startRuntimeProcess } from '../support/runtime-process';

/**
 * `npm run replay -- --region R --since … --until … [--redrive] --json` against a running local
 * runtime. The consumers are off, so the shipments stay QUEUED as if their queue messages were
 * lost: the dry run lists them, --redrive re-queues each once, a second --redrive of one of them does nothing, and
 * a shipment changed after --until is not touched.
 */
let runtime: RuntimeProcess;
let call: ReturnType<typeof api>;
const REGION = 'rpl-e2e';
const IN_RANGE = ['RPL-E2E-1', 'RPL-E2E-2'];
const LATER = 'RPL-E2E-3';
let since = '';
let until = '';

const post = async (shipmentId: string, i: number) => {
  const res = await call('POST', '/v1/shipments', {
    shipmentId,
    version: 1,
    region: REGION,
    serviceLevel: 'NEXT_DAY',
    origin: { depotId: 'DEPOT-1', lat: 59.33, lon: 18.06 },
    destination: { lat: 59.37 + i * 0.01, lon: 18.02 },
    weightKg: 6,
  });
  expect(res.status).toBe(202);
};

const replay = (...args: string[]) => {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'local/cli/replay.ts', ...args, '--json', '--data-dir', runtime.dataDir],
    { encoding: 'utf8', timeout: 60_000 },
  );
  const last = run.stdout.trim().split('\n').at(-1);
  if (run.status !== 2 && !last)
    throw new Error(`replay ${args.join(' ')}: no report; stderr: ${run.stderr}`);
  return { status: run.status, report: last ? JSON.parse(last) : {}, stderr: run.stderr };
};

type Item = { shipmentId: string; action: string; outcome: string };
const byId = (items: Item[]) =>
  Object.fromEntries(items.map((i) => [i.shipmentId, `${i.action}:${i.outcome}`]));

const requeuedEvents = async (id: string) => {
  const res = await call('GET', `/v1/shipments/${id}/events`);
  return (res.body.events as { type: string }[]).filter((e) => e.type === 'shipment.requeued').length;
};

beforeAll(async () => {
  runtime = await startRuntimeProcess({ env: { TIME_SCALE: '1', LOCAL_CONSUMERS: 'off' } });
  call = api(runtime);
  since = new Date(Date.now() - 1000).toISOString();
  for (const [i, id] of IN_RANGE.entries()) await post(id, i);
  await new Promise((r) => setTimeout(r, 1200));
  until = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 1200));
  await post(LATER, 2);
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
  runtime?.cleanup();
});

describe('npm run replay against the local runtime', () => {
  it('lists by region and time range without changing anything (dry run)', async () => {
    const { status, report, stderr } = replay('--region', REGION, '--since', since, '--until', until);
    expect(stderr).not.toMatch(/error/i);
    expect(report.checked).toBe(2);
    expect(byId(report.redrive.items)).toEqual({
      'RPL-E2E-1': 'requeue:planned',
      'RPL-E2E-2': 'requeue:planned',
    });
    expect(status).toBe(1);
    for (const id of [...IN_RANGE, LATER]) expect(await requeuedEvents(id)).toBe(0);
  });

  it('--redrive re-queues each listed shipment once; a second --redrive re-drives nothing', async () => {
    const first = replay('--region', REGION, '--since', since, '--until', until, '--redrive');
    expect(byId(first.report.redrive.items)).toEqual({
      'RPL-E2E-1': 'requeue:done',
      'RPL-E2E-2': 'requeue:done',
    });
    expect(first.status).toBe(1);
    for (const id of IN_RANGE) {
      expect(await requeuedEvents(id)).toBe(1);
      expect((await call('GET', `/v1/shipments/${id}`)).body.status).toBe('QUEUED');
    }
    expect(await requeuedEvents(LATER)).toBe(0);

    // The re-queue is their last change now (after --until): select each by id for the second run.
    for (const id of IN_RANGE) {
      const again = replay('--shipment', id, '--redrive');
      expect(byId(again.report.redrive.items)).toEqual({ [id]: 'requeue:already' });
      expect(again.status).toBe(0);
    }
    for (const id of IN_RANGE) expect(await requeuedEvents(id)).toBe(1);
  });

  it('refuses a range that ends before it starts, and --resend-applied without --redrive', () => {
    expect(replay('--since', until, '--until', since).status).toBe(2);
    expect(replay('--region', REGION, '--resend-applied').status).toBe(2);
  });
});
