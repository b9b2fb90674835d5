import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileLiveShare, writeLiveShareFile } from '../../../shared/adapters/rollout/file-live-share';
import { rolloutBucket } from '../../../shared/domain/callbacks/rollout';
import { listShadowedCallbacks } from '../../../shared/domain/callbacks/shadow';
import { runScript } from '../../support/cli';
import { type Harness, startHarness } from './harness';

/**
 * Gradual rollout (issue 13) through the deployed delivery definition: the live share read from
 * the local store (the same port as SSM), live shipments delivered to the fake SCM, the others
 * shadowed, recorded with their signed headers and listed by `npm run shadow:list`.
 */
let h: Harness;
let dataDir: string;
let shareFile: string;
beforeEach(async () => {
  h = await startHarness();
  dataDir = mkdtempSync(join(tmpdir(), 'rollout-'));
  shareFile = join(dataDir, 'rollout.json');
  h.deps.config.liveShare = fileLiveShare(shareFile, h.clock, { maxAgeMs: 60_000, fallback: 0 });
  // What the CLIs read to find the local runtime: its DynamoDB endpoint.
  writeFileSync(
    join(dataDir, 'runtime.json'),
    JSON.stringify({
      endpoints: { dynamodb: h.dynamoEndpoint, sqs: h.sqsEndpoint, eventbridge: h.sqsEndpoint },
    }),
  );
});
afterEach(async () => {
  await h.close();
});

const webhookIdOf = (envelope: { detail: unknown }) =>
  `msg_${(envelope.detail as { eventId: string }).eventId}`;

async function deliver(ids: string[]) {
  const webhookIds = new Map<string, string>();
  for (const id of ids) {
    const envelope = await h.optimizedShipment(id);
    webhookIds.set(id, webhookIdOf(envelope));
    h.machine.start(envelope);
  }
  await h.runToEnd();
  return webhookIds;
}

const verifies = (headers: Record<string, string>, body: string) => {
  const key = Buffer.from(h.secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key)
    .update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`)
    .digest('base64');
  return (headers['webhook-signature'] ?? '').split(' ').includes(`v1,${expected}`);
};

describe('percentage rollout of callbacks', () => {
  it('at 50 %: the shipments in the share reach the SCM, the others are shadowed, recorded and listed with a valid signature', async () => {
    writeLiveShareFile(shareFile, 0.5);
    const ids = Array.from({ length: 16 }, (_, i) => `SHP-RO-${String(i).padStart(4, '0')}`);
    const live = ids.filter((id) => rolloutBucket(id) < 0.5);
    const shadow = ids.filter((id) => !live.includes(id));
    expect(live.length).toBeGreaterThan(2);
    expect(shadow.length).toBeGreaterThan(2);

    const webhookIds = await deliver(ids);

    const received = h.scm.received();
    expect(received.every((r) => r.verified && r.answer === 200)).toBe(true);
    expect(received.map((r) => JSON.parse(r.body).data.shipmentId).sort()).toEqual([...live].sort());
    for (const id of ids) {
      const path = live.includes(id) ? 'live' : 'shadow';
      expect((await h.shipment(id))?.status).toBe(path === 'live' ? 'ROUTE_APPLIED' : 'CALLBACK_PENDING');
      expect(await h.deps.callbacks.get(webhookIds.get(id) ?? '')).toMatchObject({
        mode: path,
        status: 'COMPLETED',
        outcome: path === 'live' ? 'applied' : 'shadowed',
      });
      const pending = (await h.deps.store.events(id)).find((e) => e.type === 'shipment.callback_pending');
      expect(pending?.callbackMode).toBe(path);
    }

    const listed = await listShadowedCallbacks(h.deps.callbacks, { limit: 100 });
    expect(listed.map((s) => s.shipmentId).sort()).toEqual([...shadow].sort());
    for (const s of listed) {
      expect(s.webhookId).toBe(webhookIds.get(s.shipmentId));
      expect(s.headers['webhook-id']).toBe(s.webhookId);
      expect(s.headers['x-correlation-id']).toBe(`corr-${s.shipmentId}`);
      expect(verifies(s.headers, s.body)).toBe(true);
      expect(JSON.parse(s.body)).toMatchObject({
        type: 'shipment.route_optimized',
        data: { shipmentId: s.shipmentId },
      });
    }

    // The same listing from the CLI, as the SCM team gets it.
    const json = await runScript('local/cli/shadow-list.ts', ['--json', '--data-dir', dataDir]);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const fromCli = JSON.parse(json.stdout) as {
      webhookId: string;
      headers: Record<string, string>;
      body: string;
    }[];
    expect(fromCli.map((s) => s.webhookId).sort()).toEqual(listed.map((s) => s.webhookId).sort());
    expect(fromCli.every((s) => verifies(s.headers, s.body))).toBe(true);
    const text = await runScript('local/cli/shadow-list.ts', ['--data-dir', dataDir]);
    expect(text.stdout).toContain('webhook-signature: v1,');
    expect(text.stdout).toContain(`${shadow.length} shadowed callbacks`);
    const later = await runScript('local/cli/shadow-list.ts', [
      '--since',
      '2030-01-01T00:00:00Z',
      '--data-dir',
      dataDir,
    ]);
    expect(later.stdout.trim()).toBe('no shadowed callbacks since 2030-01-01T00:00:00Z');
  });

  it('raising the share with rollout:set takes effect within the 60 s cache, without a restart', async () => {
    writeLiveShareFile(shareFile, 0);
    const [first, second, third] = ['SHP-UP-1', 'SHP-UP-2', 'SHP-UP-3'];
    await deliver([first as string]);
    expect(h.scm.received()).toHaveLength(0);

    const set = await runScript('local/cli/rollout.ts', ['1', '--data-dir', dataDir]);
    expect(set.stderr).toBe('');
    expect(set.stdout).toContain('live share 0 → 1');
    await deliver([second as string]); // same instant: the cached share (0) still applies
    expect(h.scm.received()).toHaveLength(0);
    expect((await h.shipment(second as string))?.status).toBe('CALLBACK_PENDING');

    h.clock.advanceTo(h.clock.now() + 60_000);
    await deliver([third as string]);
    expect(h.scm.received().map((r) => JSON.parse(r.body).data.shipmentId)).toEqual([third]);
    expect((await h.shipment(third as string))?.status).toBe('ROUTE_APPLIED');

    const bad = await runScript('local/cli/rollout.ts', ['1.5', '--data-dir', dataDir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/SHARE must be a number from 0 to 1, got '1.5'/);
  });
});
