import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { startEventBus } from '../../local/services/event-bus';
import { ensureQueue, type QueueUrls } from '../../local/services/sqs';
import { startLocalStepFunctions } from '../../local/services/step-functions';
import { EventBridgePublisher } from '../../shared/adapters/eventbridge/publisher';
import { SHIPMENT_QUEUES } from '../../shared/adapters/sqs/queues';
import { StepFunctionsDeliveryStarter } from '../../shared/adapters/stepfunctions/delivery-starter';
import { prepareDelivery } from '../../shared/domain/callbacks/prepare';
import { SHIPMENT_QUEUE_RULES } from '../../shared/domain/event-rules';
import { type ReplayDeps, replayShipments } from '../../shared/domain/use-cases/replay';
import type { ShipmentDeps } from '../../shared/domain/use-cases/shipment-deps';
import { commit, submitShipment } from '../../shared/domain/use-cases/shipments';
import type { ShipmentState } from '../../shared/schemas/state';
import { type Harness, startHarness } from './callbacks/harness';

/**
 * replay --redrive on the real stand-ins: dynalite, local SQS priority queues behind the local
 * EventBridge with the deployed event rules, the deployed delivery state machine behind a local
 * StartExecution endpoint, and the fake SCM counting the versions it applied.
 */
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const MIN = 60_000;

let h: Harness;
let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.reverse()) await close();
  closers = [];
  await h?.close();
});

async function world() {
  h = await startHarness();
  const queues = {} as Record<'p0' | 'p1' | 'p2', QueueUrls>;
  for (const def of SHIPMENT_QUEUES) queues[def.tier] = await ensureQueue(h.sqs, def, 60);
  const bus = await startEventBus({
    busName: 'replay-test',
    region: 'eu-north-1',
    clock: h.clock,
    rules: () =>
      SHIPMENT_QUEUE_RULES.map((rule) => ({
        name: rule.name,
        pattern: rule.pattern,
        deliver: async (envelope) => {
          await h.sqs.send(
            new SendMessageCommand({
              QueueUrl: queues[rule.queue].url,
              MessageBody: JSON.stringify(envelope),
            }),
          );
        },
      })),
  });
  const sfn = await startLocalStepFunctions({ machines: [h.machine] });
  const eventBridge = new EventBridgeClient({ endpoint: bus.endpoint, region: 'eu-north-1', credentials });
  const sfnClient = new SFNClient({ endpoint: sfn.endpoint, region: 'eu-north-1', credentials });
  closers.push(bus.close, sfn.close, async () => {
    eventBridge.destroy();
    sfnClient.destroy();
  });
  const publisher = new EventBridgePublisher(eventBridge, 'replay-test');
  const shipments: ShipmentDeps = { ...h.deps, publisher, priorityPolicy: { urgentDeclaredValue: 10_000 } };
  const deps: ReplayDeps = {
    ...h.deps,
    publisher,
    deliveries: new StepFunctionsDeliveryStarter(sfnClient, h.machine.arn),
  };
  /** Every message on the priority queues now, taken off: `{queue, type, shipmentId}`. */
  const drain = async () => {
    const out: { queue: string; type: string; shipmentId: string }[] = [];
    for (const [tier, q] of Object.entries(queues)) {
      for (;;) {
        const r = await h.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: q.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        if (!r.Messages?.length) break;
        for (const m of r.Messages) {
          const envelope = JSON.parse(m.Body ?? '{}');
          out.push({ queue: tier, type: envelope['detail-type'], shipmentId: envelope.detail.shipmentId });
          await h.sqs.send(new DeleteMessageCommand({ QueueUrl: q.url, ReceiptHandle: m.ReceiptHandle }));
        }
      }
    }
    return out.sort((a, b) => a.shipmentId.localeCompare(b.shipmentId));
  };
  const submit = async (shipmentId: string, region = 'eu-north', weightKg = 8) =>
    (
      await submitShipment(
        {
          body: {
            shipmentId,
            version: 1,
            region,
            serviceLevel: 'NEXT_DAY',
            origin: { depotId: 'DEPOT-1', lat: 59.33, lon: 18.06 },
            destination: { lat: 59.4, lon: 17.95 },
            weightKg,
          },
          correlationId: `c-${shipmentId}`,
          mode: 'create',
        },
        shipments,
      )
    ).state;
  const move = async (s: ShipmentState, status: 'OPTIMIZING' | 'STALE') =>
    (
      await commit(shipments, s, {
        type: status === 'OPTIMIZING' ? 'shipment.optimizing' : 'shipment.stale',
        status,
        version: s.version,
        correlationId: s.correlationId,
        patch: status === 'STALE' ? { statusReason: 'unassigned in 3 windows', unassignedWindows: 3 } : {},
      })
    ).state;
  const advance = (ms: number) => h.clock.advanceTo(h.clock.now() + ms);
  const iso = (ms: number) => new Date(ms).toISOString();
  return { deps, drain, submit, move, advance, iso };
}

describe('replay --redrive', () => {
  it('by time range: re-queues QUEUED, STALE and OPTIMIZING shipments onto their priority queue, once', async () => {
    const w = await world();
    await w.submit('BEFORE');
    w.advance(60 * MIN);
    const from = h.clock.now();
    await w.submit('Q');
    await w.move(await w.submit('OPT'), 'OPTIMIZING');
    await w.move(await w.submit('STALE', 'eu-north', 900), 'STALE');
    w.advance(30 * MIN);
    const to = h.clock.now();
    w.advance(30 * MIN);
    await w.submit('AFTER');
    const announced = await w.drain();
    expect(announced.map((m) => m.shipmentId)).toEqual(['AFTER', 'BEFORE', 'OPT', 'Q', 'STALE']);
    const queueOf = Object.fromEntries(announced.map((m) => [m.shipmentId, m.queue]));

    // Without --redrive: the listing of what it would do, and nothing changes.
    const range = { since: w.iso(from), until: w.iso(to) };
    const dry = await replayShipments(range, w.deps);
    expect(dry.checked).toBe(3);
    expect(dry.redrive.applied).toBe(false);
    expect(
      dry.redrive.items.map((i) => `${i.shipmentId}:${i.status}:${i.action}:${i.outcome}`).sort(),
    ).toEqual(['OPT:OPTIMIZING:requeue:planned', 'Q:QUEUED:requeue:planned', 'STALE:STALE:requeue:planned']);
    expect(await w.drain()).toEqual([]);
    expect((await h.shipment('OPT'))?.status).toBe('OPTIMIZING');

    w.advance(MIN);
    const redrivenAt = h.clock.now();
    const first = await replayShipments(range, w.deps, { redrive: true });
    expect(first.redrive).toMatchObject({ applied: true, requeued: 3, already: 0, errors: 0 });
    // Announced as the pipeline announces: shipment.requeued, routed by priority to its own queue.
    expect(await w.drain()).toEqual(
      ['OPT', 'Q', 'STALE'].map((id) => ({ queue: queueOf[id], type: 'shipment.requeued', shipmentId: id })),
    );
    for (const id of ['OPT', 'Q', 'STALE']) {
      const s = await h.shipment(id);
      expect(s?.status).toBe('QUEUED');
      expect(s?.statusReason).toMatch(/^replay:/);
    }
    expect((await h.shipment('STALE'))?.unassignedWindows).toBeUndefined();
    expect((await h.shipment('BEFORE'))?.statusReason).toBeUndefined();

    // Twice (their last change is now the re-drive): nothing re-queued again while nobody took them.
    w.advance(MIN);
    const second = await replayShipments({ since: w.iso(redrivenAt) }, w.deps, { redrive: true });
    expect(second.checked).toBe(3);
    expect(second.redrive).toMatchObject({ requeued: 0, already: 3 });
    expect(await w.drain()).toEqual([]);
  });

  it('by region and by shipment: resumes an idle delivery, re-sends a failed or applied callback; twice applies once at the SCM', async () => {
    const w = await world();
    // P: its delivery died after the first task (record PENDING, shipment CALLBACK_PENDING).
    await prepareDelivery({ event: await h.optimizedShipment('P'), executionId: 'died' }, h.deps);
    // F: the SCM refused it for good (400): CALLBACK_FAILED.
    h.scm.control({ failNext: 1, failWith: 400 });
    h.machine.start(await h.optimizedShipment('F'));
    await h.runToEnd();
    // A: applied.
    h.machine.start(await h.optimizedShipment('A'));
    await h.runToEnd();
    await w.submit('ELSEWHERE', 'rp-elsewhere');
    await w.drain();
    expect((await h.shipment('P'))?.status).toBe('CALLBACK_PENDING');
    expect((await h.shipment('F'))?.status).toBe('CALLBACK_FAILED');
    expect(h.scm.applications()).toEqual({ 'A@v1': 1 });

    // Right away P's delivery might still be running: left to it.
    const early = await replayShipments({ region: 'eu-north' }, w.deps, { redrive: true });
    expect(early.checked).toBe(3);
    expect(early.redrive.items.find((i) => i.shipmentId === 'P')).toMatchObject({
      action: 'resume-callback',
      outcome: 'skipped',
    });
    expect(early.redrive.resent).toBe(1); // F
    await h.runToEnd();
    expect((await h.shipment('F'))?.status).toBe('ROUTE_APPLIED');

    w.advance(21 * MIN);
    const dry = await replayShipments({ region: 'eu-north' }, w.deps);
    expect(dry.redrive.items.map((i) => `${i.shipmentId}:${i.action}:${i.outcome}`)).toEqual([
      'P:resume-callback:planned',
    ]);
    const resumed = await replayShipments({ region: 'eu-north' }, w.deps, { redrive: true });
    expect(resumed.redrive).toMatchObject({ resumed: 1, resent: 0, errors: 0 });
    await h.runToEnd();
    expect((await h.shipment('P'))?.status).toBe('ROUTE_APPLIED');
    const applied = { 'A@v1': 1, 'F@v1': 1, 'P@v1': 1 };
    expect(h.scm.applications()).toEqual(applied);

    // Twice: everything is applied, nothing is sent again.
    const again = await replayShipments({ region: 'eu-north' }, w.deps, { redrive: true });
    expect(again.redrive).toMatchObject({ requeued: 0, resumed: 0, resent: 0, errors: 0 });
    await h.runToEnd();
    expect(h.scm.applications()).toEqual(applied);

    // The operator wants A's route sent again (the SCM lost it): same webhook-id, same version.
    h.scm.forget('A');
    const webhookIds = () =>
      h.scm
        .received()
        .filter((r) => r.body.includes('"A"'))
        .map((r) => r.webhookId);
    const resend = await replayShipments({ shipmentId: 'A' }, w.deps, { redrive: true, resendApplied: true });
    expect(resend.redrive).toMatchObject({ resent: 1 });
    await h.runToEnd();
    expect(h.scm.applications()['A@v1']).toBe(2);
    expect(new Set(webhookIds()).size).toBe(1);
    const twice = await replayShipments({ shipmentId: 'A' }, w.deps, { redrive: true, resendApplied: true });
    expect(twice.redrive).toMatchObject({ resent: 0, already: 1 });
    await h.runToEnd();
    expect(h.scm.applications()['A@v1']).toBe(2);
    expect((await h.shipment('A'))?.status).toBe('ROUTE_APPLIED');
  });
});
