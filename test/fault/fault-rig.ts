import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { type FakeScm, startFakeScm } from '../../local/fake-scm/server';
import type { ShipmentBody } from '../../shared/schemas/shipment';
import { queueDepths, until } from '../support/inspect-runtime';
import { inPool } from '../support/raw-http';
import { api, type RuntimeProcess, startRuntimeProcess } from '../support/runtime-process';

/**
 * A local runtime that can be killed with SIGKILL and started again on the same DATA_DIR, with the
 * fake SCM in the test process (so what the SCM received survives every kill of the runtime).
 */
export async function faultRig(env: Record<string, string> = {}) {
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const scm: FakeScm = await startFakeScm({ secret });
  const dataDir = mkdtempSync(join(tmpdir(), 'fault-'));
  const runtimeEnv = {
    TIME_SCALE: '60',
    SCM_CALLBACK_URL: scm.webhookUrl,
    SCM_WEBHOOK_SECRET: secret,
    SCM_BASE_URL: scm.url,
    API_RATE_LIMIT: '100000',
    API_BURST_LIMIT: '100000',
    ...env,
  };
  let runtime: RuntimeProcess = await startRuntimeProcess({ dataDir, env: runtimeEnv });
  const outputs: string[] = [];

  const rig = {
    scm,
    get runtime() {
      return runtime;
    },
    /** The API of the runtime now running (a new port after each restart). */
    call: (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
      api(runtime)(method, path, body, headers),
    /** SIGKILL: no shutdown hook runs, whatever was only in memory is gone. */
    async kill9() {
      outputs.push(runtime.output());
      await runtime.stop('SIGKILL');
    },
    async restart() {
      runtime = await startRuntimeProcess({ dataDir, env: runtimeEnv });
    },
    /** Everything the runtime wrote, across restarts (for failure messages). */
    output: () => [...outputs, runtime.output()].join('\n--- restart ---\n'),
    async close() {
      await runtime.stop().catch(() => undefined);
      await scm.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return rig;
}
export type FaultRig = Awaited<ReturnType<typeof faultRig>>;

/** End states (contract §2), and STALE when it carries its reason (left for operations). */
export const TERMINAL = ['ROUTE_APPLIED', 'CANCELLED', 'CALLBACK_FAILED'];

export interface ShipmentView {
  shipmentId: string;
  version: number;
  status: string;
  statusReason?: string;
}

export const isTerminal = (s: ShipmentView | undefined) =>
  !!s && (TERMINAL.includes(s.status) || (s.status === 'STALE' && !!s.statusReason));

/**
 * Waits until every shipment is terminal; returns the last view of each. Does not throw: the test
 * asserts on what it got, so a failure names the shipments that did not finish.
 */
export async function settle(rig: FaultRig, ids: readonly string[], timeoutMs: number) {
  const last = new Map<string, ShipmentView | undefined>();
  const deadline = Date.now() + timeoutMs;
  let open = [...ids];
  while (open.length > 0 && Date.now() < deadline) {
    for (const id of open) {
      const got = await rig.call('GET', `/v1/shipments/${id}`).catch(() => undefined);
      last.set(id, got?.status === 200 ? (got.body as ShipmentView) : undefined);
    }
    open = open.filter((id) => !isTerminal(last.get(id)));
    if (open.length > 0) await new Promise((r) => setTimeout(r, 1_000));
  }
  const notTerminal = ids
    .filter((id) => !isTerminal(last.get(id)))
    .map(
      (id) =>
        `${id}: ${last.get(id)?.status ?? 'not found'}${last.get(id)?.statusReason ? ` (${last.get(id)?.statusReason})` : ''}`,
    );
  const byStatus: Record<string, number> = {};
  for (const id of ids) {
    const status = last.get(id)?.status ?? 'not found';
    byStatus[status] = (byStatus[status] ?? 0) + 1;
  }
  return { last, notTerminal, byStatus };
}

interface Received {
  webhookId: string;
  body: string;
  answer: number | string;
  verified: boolean;
  verifyError?: string;
  receivedAt: string;
}

/**
 * What the SCM applied, as an SCM that honours `webhook-id` (the idempotency key of contract §4)
 * would: distinct webhook-ids it answered 2xx, by shipment and version. Two webhook-ids applied for
 * one version are two applications the SCM cannot tell apart: a duplicate. The same webhook-id
 * answered 2xx again (an attempt whose answer the sender did not see, e.g. past its 10 s timeout,
 * 167 ms at TIME_SCALE=60) is at-least-once delivery, deduplicated by the SCM: counted, reported.
 */
export function appliedAtScm(scm: FakeScm) {
  const received = scm.received() as Received[];
  const webhooksByVersion = new Map<string, Set<string>>();
  const receiptsByWebhook = new Map<string, string[]>();
  const badSignatures = received.filter((r) => r.answer === 401).length;
  for (const r of received) {
    if (typeof r.answer !== 'number' || r.answer < 200 || r.answer >= 300) continue;
    const payload = JSON.parse(r.body) as { type?: string; data?: { shipmentId?: string; version?: number } };
    if (payload.type !== 'shipment.route_optimized') continue;
    const key = `${payload.data?.shipmentId}@v${payload.data?.version}`;
    webhooksByVersion.set(key, new Set([...(webhooksByVersion.get(key) ?? []), r.webhookId]));
    receiptsByWebhook.set(r.webhookId, [...(receiptsByWebhook.get(r.webhookId) ?? []), r.receivedAt]);
  }
  const byVersion = new Map([...webhooksByVersion].map(([k, ids]) => [k, ids.size]));
  const twice = [...webhooksByVersion]
    .filter(([, ids]) => ids.size > 1)
    .map(([k, ids]) => `${k}: ${[...ids].join(', ')}`);
  const redelivered = [...receiptsByWebhook]
    .filter(([, at]) => at.length > 1)
    .map(([id, at]) => `${id} at ${at.map((t) => t.slice(11, 23)).join(', ')}`);
  return { byVersion, twice, redelivered, badSignatures, received: received.length };
}

/** Messages waiting in any dead-letter queue of the runtime (shipment, batch-job, callback DLQs). */
export async function deadLetters(rig: FaultRig) {
  const depths = await queueDepths(rig.runtime);
  return depths
    .filter((q) => q.deadLetter && q.visible + q.inFlight > 0)
    .map((q) => `${q.name}: ${q.visible + q.inFlight}`);
}

const DAY = 86_400_000;
const DEPOTS = [
  { region: 'fault-north', depot: { depotId: 'FN-1', lat: 59.33, lon: 18.06 } },
  { region: 'fault-west', depot: { depotId: 'FW-1', lat: 57.7, lon: 11.97 } },
  { region: 'fault-south', depot: { depotId: 'FS-1', lat: 55.6, lon: 13.0 } },
];

/** A realistic shipment: near its depot, light, NEXT_DAY with tomorrow's window unless told otherwise. */
export function shipment(
  id: string,
  i: number,
  overrides: Partial<ShipmentBody> & { regionIndex?: number } = {},
): ShipmentBody {
  const { regionIndex, ...rest } = overrides;
  const at = DEPOTS[(regionIndex ?? i) % DEPOTS.length] as (typeof DEPOTS)[number];
  const angle = (i * 137.5 * Math.PI) / 180;
  const radius = 0.02 + (i % 10) * 0.008;
  const tomorrow = Math.floor(Date.now() / DAY) * DAY + DAY;
  const level = rest.serviceLevel ?? 'NEXT_DAY';
  return {
    shipmentId: id,
    version: 1,
    region: at.region,
    serviceLevel: level,
    origin: at.depot,
    destination: {
      lat: Number((at.depot.lat + radius * Math.sin(angle)).toFixed(5)),
      lon: Number((at.depot.lon + radius * 1.8 * Math.cos(angle)).toFixed(5)),
    },
    ...(level === 'NEXT_DAY'
      ? {
          timeWindow: {
            start: new Date(tomorrow + (7 + (i % 4)) * 3_600_000).toISOString(),
            end: new Date(tomorrow + (12 + (i % 4)) * 3_600_000).toISOString(),
          },
        }
      : {}),
    weightKg: 2 + (i % 15),
    ...rest,
  };
}

/** Two windows after a restart plus optimization and callbacks, with room for a loaded machine. */
export const SETTLE_MS = 60_000;

/**
 * Asserts the fault tier's invariants for `accepted`: every one terminal within SETTLE_MS and, the
 * SCM being healthy at the end, ROUTE_APPLIED (none CALLBACK_FAILED or STALE); no dead letters in
 * any queue; no version applied under two webhook-ids; no webhook refused for its signature.
 */
export async function expectSettled(
  rig: FaultRig,
  accepted: readonly string[],
  what: string,
  timeoutMs = SETTLE_MS,
) {
  const { notTerminal, byStatus } = await settle(rig, accepted, timeoutMs);
  const scm = appliedAtScm(rig.scm);
  const dead = await deadLetters(rig);
  const failed = byStatus.CALLBACK_FAILED ?? 0;
  // The SCM is healthy at the end and every shipment here is plannable: each one ends applied.
  const notApplied = accepted.length - (byStatus.ROUTE_APPLIED ?? 0);
  expect(
    {
      notTerminal: notTerminal.length,
      notApplied,
      appliedTwice: scm.twice,
      badSignatures: scm.badSignatures,
      deadLetters: dead,
      callbackFailed: failed,
    },
    [
      `${what}: ${accepted.length} accepted; states ${JSON.stringify(byStatus)}; SCM received ${scm.received} webhooks (${scm.redelivered.length} webhook-ids answered 2xx more than once: ${scm.redelivered.slice(0, 3).join('; ')})`,
      `not terminal ${timeoutMs / 1000} s after the restart: ${notTerminal.slice(0, 10).join(', ')}`,
      failed ? `${failed} CALLBACK_FAILED with a healthy SCM: deliveries were lost` : '',
      rig
        .output()
        .split('\n')
        .filter((l) => /error|ERROR|RangeError|TypeError/.test(l))
        .slice(-8)
        .join('\n'),
    ].join('\n'),
  ).toEqual({
    notTerminal: 0,
    notApplied: 0,
    appliedTwice: [],
    badSignatures: 0,
    deadLetters: [],
    callbackFailed: 0,
  });
}

/** POSTs the bodies over several connections; the ids that got 2xx (an SCM would retry the others). */
export async function postAll(rig: FaultRig, bodies: ReturnType<typeof shipment>[], connections = 6) {
  const accepted: string[] = [];
  const failed: ReturnType<typeof shipment>[] = [];
  await inPool(bodies, connections, async (body) => {
    const res = await rig.call('POST', '/v1/shipments', body).catch(() => undefined);
    if (res && res.status < 300) accepted.push(body.shipmentId);
    else failed.push(body);
  });
  return { accepted, failed };
}

export { until };
