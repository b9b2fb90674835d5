import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import type { ShipmentBody } from '../../shared/schemas/shipment';
import { api, type RuntimeProcess, startRuntimeProcess } from '../support/runtime-process';

/**
 * kill -9 of the runtime process under load, at three points (while requests are in flight, while
 * windows optimize and callbacks fail, during the recovery of a restart), then restarts with the
 * same DATA_DIR (the last one at another TIME_SCALE): every accepted shipment ends ROUTE_APPLIED within
 * two windows of the last restart, no dead-letter queue grows, no audit trail goes back in time.
 */
const REGIONS = [
  { region: 'kill-north', depot: { depotId: 'KN-1', lat: 59.33, lon: 18.06 } },
  { region: 'kill-west', depot: { depotId: 'KW-1', lat: 57.7, lon: 11.97 } },
  { region: 'kill-south', depot: { depotId: 'KS-1', lat: 55.6, lon: 13.0 } },
];

function body(i: number, serviceLevel: ShipmentBody['serviceLevel'] = 'NEXT_DAY'): ShipmentBody {
  const r = REGIONS[i % REGIONS.length] as (typeof REGIONS)[number];
  const angle = (i * 137.5 * Math.PI) / 180;
  const radius = 0.02 + (i % 10) * 0.006;
  return {
    shipmentId: `KILL-${String(i).padStart(3, '0')}`,
    version: 1,
    region: r.region,
    serviceLevel,
    origin: r.depot,
    destination: {
      lat: r.depot.lat + radius * Math.sin(angle),
      lon: r.depot.lon + radius * 1.8 * Math.cos(angle),
    },
    weightKg: 3 + (i % 17),
  };
}

type Call = ReturnType<typeof api>;

/** Sends each body with `limit` requests in flight; the ids answered 2xx (a kill fails the rest). */
async function submit(call: Call, bodies: ShipmentBody[], limit: number, onAccepted?: (n: number) => void) {
  const accepted: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < bodies.length) {
        const b = bodies[next++] as ShipmentBody;
        let res: Awaited<ReturnType<Call>>;
        try {
          res = await call('POST', '/v1/shipments', b);
        } catch {
          return; // the runtime was killed under this request
        }
        expect(res.status, `POST ${b.shipmentId}: ${JSON.stringify(res.body)}`).toBeOneOf([200, 202]);
        accepted.push(b.shipmentId);
        onAccepted?.(accepted.length);
      }
    }),
  );
  return accepted;
}

/**
 * The test polls 150 shipments four times a second, past the usage plan's 200 requests a second:
 * the runtimes here lift the throttle, which is not what this test is about.
 */
const UNTHROTTLED = { API_RATE_LIMIT: '100000', API_BURST_LIMIT: '100000' };

async function statuses(call: Call, ids: readonly string[]) {
  const out = new Map<string, string>();
  await Promise.all(
    ids.map(async (id) => {
      const res = await call('GET', `/v1/shipments/${id}`);
      out.set(id, res.status === 200 ? res.body.status : `HTTP ${res.status}`);
    }),
  );
  return out;
}

/** Messages in every dead-letter queue of the runtime (its queues live in memory: per run). */
async function deadLettered(runtime: RuntimeProcess): Promise<Record<string, number>> {
  const sqs = new SQSClient({
    endpoint: runtime.endpoints.sqs,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
    const out: Record<string, number> = {};
    for (const url of QueueUrls.filter((u) => /dlq|deadletter/i.test(u))) {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
      );
      out[url.split('/').pop() ?? url] = Number(Attributes.ApproximateNumberOfMessages ?? 0);
    }
    return out;
  } finally {
    sqs.destroy();
  }
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

async function scm(runtime: RuntimeProcess, change: Record<string, unknown>) {
  const { fakeScmUrl } = JSON.parse(readFileSync(join(runtime.dataDir, 'callbacks.json'), 'utf8')) as {
    fakeScmUrl: string;
  };
  await fetch(`${fakeScmUrl}/_control`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(change),
  });
}

const clockOf = (runtime: RuntimeProcess) =>
  (
    JSON.parse(readFileSync(join(runtime.dataDir, 'runtime.json'), 'utf8')) as {
      clock: { timeScale: number; wallMs: number; clockMs: number };
    }
  ).clock;

describe('kill -9 under load, restart with the same DATA_DIR', () => {
  let runtime: RuntimeProcess | undefined;
  afterAll(async () => {
    await runtime?.stop('SIGKILL');
    runtime?.cleanup();
  });

  it('every accepted shipment ends ROUTE_APPLIED within two windows of the restart, no DLQ grows, time never goes back', async () => {
    // URGENT (SAME_DAY), STANDARD (NEXT_DAY) and BULK (ECONOMY) shipments.
    const level = (i: number) => (i % 25 === 0 ? 'SAME_DAY' : i % 7 === 3 ? 'ECONOMY' : 'NEXT_DAY');
    const bodies = Array.from({ length: 150 }, (_, i) => body(i, level(i)));
    const figures: Record<string, unknown> = {};

    // Kill 1: in the middle of the submissions (requests in flight).
    runtime = await startRuntimeProcess({ env: { ...UNTHROTTLED, TIME_SCALE: '60' } });
    const first = runtime;
    let killing: Promise<void> | undefined;
    const accepted = await submit(api(first), bodies.slice(0, 100), 8, (n) => {
      if (n === 40) killing = first.stop('SIGKILL');
    });
    await killing;
    figures.acceptedBeforeKill1 = accepted.length;
    expect(accepted.length).toBeGreaterThanOrEqual(40);

    // Kill 2: windows closing, batches optimizing, callbacks failing and being retried.
    runtime = await startRuntimeProcess({
      dataDir: first.dataDir,
      env: { ...UNTHROTTLED, TIME_SCALE: '60' },
    });
    const second = runtime;
    const known = bodies.map((b) => b.shipmentId);
    // Whatever the killed run stored is accepted too (it may have died before answering).
    const stored = [...(await statuses(api(second), known)).entries()].filter(
      ([, s]) => !s.startsWith('HTTP'),
    );
    const inSecond = await submit(
      api(second),
      bodies.filter((b) => !stored.some(([id]) => id === b.shipmentId)),
      8,
    );
    const all = [...new Set([...stored.map(([id]) => id), ...inSecond])];
    expect(all.length).toBeGreaterThanOrEqual(140);
    await scm(second, { failNext: 25, failWith: 500 });
    const deadline = Date.now() + 60_000;
    let progressed = 0;
    while (Date.now() < deadline) {
      const s = await statuses(api(second), all);
      progressed = [...s.values()].filter((v) => v !== 'QUEUED' && v !== 'RECEIVED').length;
      if (progressed >= all.length / 3) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    figures.pastQueuedAtKill2 = progressed;
    expect(progressed).toBeGreaterThan(0);
    const dlqBeforeKill2 = await deadLettered(second);
    await second.stop('SIGKILL');
    figures.dlqBeforeKill2 = total(dlqBeforeKill2);

    // Kill 3: during the recovery itself (jobs re-sent, deliveries resumed, shipments re-queued).
    runtime = await startRuntimeProcess({
      dataDir: first.dataDir,
      env: { ...UNTHROTTLED, TIME_SCALE: '60' },
    });
    const recovering = runtime;
    await new Promise((r) => setTimeout(r, 1_500));
    const dlqBeforeKill3 = await deadLettered(recovering);
    figures.dlqBeforeKill3 = total(dlqBeforeKill3);
    await recovering.stop('SIGKILL');

    // Restart at another TIME_SCALE: windows of 10 min last 40 s; two windows are 80 s. (The work
    // after a window closes is wall time, which a scaled clock multiplies: on a loaded machine a
    // faster scale measures the machine more than the recovery.)
    runtime = await startRuntimeProcess({
      dataDir: first.dataDir,
      env: { ...UNTHROTTLED, TIME_SCALE: '15' },
    });
    const third = runtime;
    const restartedAt = Date.now();
    const call = api(third);
    let last = new Map<string, string>();
    while (Date.now() - restartedAt < 160_000) {
      last = await statuses(call, all);
      if ([...last.values()].every((s) => s === 'ROUTE_APPLIED')) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const settledMs = Date.now() - restartedAt;
    figures.settledSecondsAfterRestart = settledMs / 1000;
    const notApplied = [...last.entries()]
      .filter(([, s]) => s !== 'ROUTE_APPLIED')
      .map(([id, s]) => `${id}:${s}`);
    // With their trails, so that a failure says where each one stopped.
    const trails = await Promise.all(
      notApplied.map(async (entry) => {
        const id = entry.split(':')[0] ?? '';
        const answer = await call('GET', `/v1/shipments/${id}/events`);
        const events = (answer.body?.events ?? []) as { type: string }[];
        return `${entry} (${answer.status}) ${events.map((e) => e.type).join(' > ')}`;
      }),
    );
    expect(trails).toEqual([]);

    // Within two windows of the restart, on the service clock.
    const clock = clockOf(third);
    const windowMs = 10 * 60_000;
    let latestApplied = 0;
    for (const id of all) {
      const events = (await call('GET', `/v1/shipments/${id}/events`)).body.events as {
        type: string;
        occurredAt: string;
      }[];
      const times = events.map((e) => Date.parse(e.occurredAt));
      // Never back in time, across two kills and a change of TIME_SCALE.
      expect(times, `${id} trail`).toEqual([...times].sort((a, b) => a - b));
      const applied = events.findLast((e) => e.type === 'shipment.route_applied');
      latestApplied = Math.max(latestApplied, Date.parse(applied?.occurredAt ?? ''));
    }
    figures.appliedWithinClockMinutes = (latestApplied - clock.clockMs) / 60_000;
    const dlqAfter = await deadLettered(third);
    figures.dlqAfter = total(dlqAfter);
    figures.shipments = all.length;
    console.info('restart figures', JSON.stringify(figures));
    expect(latestApplied - clock.clockMs).toBeLessThanOrEqual(2 * windowMs);
    // The clock went on from where the killed run left it, not from the wall clock.
    expect(clock.clockMs).toBeGreaterThan(clock.wallMs + 60_000);

    expect(dlqBeforeKill2).toSatisfy((d: Record<string, number>) => total(d) === 0);
    expect(dlqBeforeKill3).toSatisfy((d: Record<string, number>) => total(d) === 0);
    expect(dlqAfter).toSatisfy((d: Record<string, number>) => total(d) === 0);
  }, 300_000);
});
