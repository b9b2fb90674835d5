import { randomBytes, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { deliveryTasks } from '../../../functions/workflow/tasks';
import { renderDeliveryDefinition } from '../../../infra/constructs/callbacks-render';
import { LocalStateMachine, type WaitRecord } from '../../../local/callbacks/state-machine';
import { startFakeScm } from '../../../local/fake-scm/server';
import { ensureTables, startDynamo } from '../../../local/services/dynamodb';
import { startSqs } from '../../../local/services/sqs';
import { DynamoBreakerStore, DynamoCallbackStore } from '../../../shared/adapters/dynamodb/callback-store';
import { DynamoShipmentRecords } from '../../../shared/adapters/dynamodb/shipment-records';
import { CALLBACKS_TABLE, SHIPMENTS_TABLE, TABLES } from '../../../shared/adapters/dynamodb/tables';
import { SqsCallbackDeadLetters } from '../../../shared/adapters/sqs/callback-dead-letters';
import { HttpWebhookSender } from '../../../shared/adapters/webhooks/http-sender';
import { StaticSecretSource } from '../../../shared/adapters/webhooks/signature';
import { BreakerMemory, DEFAULT_BREAKER } from '../../../shared/domain/callbacks/breaker';
import type { CallbackConfig, CallbackDeps } from '../../../shared/domain/callbacks/delivery';
import type { CallbackMetricName } from '../../../shared/domain/callbacks/ports';
import { type Clock, systemClock } from '../../../shared/domain/clock';
import type { BusMessage, EventPublisher } from '../../../shared/domain/ports';
import { shipmentStore } from '../../../shared/domain/shipment-store';
import type { ShipmentDeps } from '../../../shared/domain/use-cases/shipment-deps';
import { commit, submitShipment } from '../../../shared/domain/use-cases/shipments';
import { CallbackDeadLetter } from '../../../shared/schemas/callbacks';
import { EVENT_SOURCE, ROUTE_OPTIMIZED } from '../../../shared/schemas/events';

/**
 * A clock for the delivery tests: time moves only when the test driver advances it, and the driver
 * can see what is scheduled (so it jumps straight to the next due wait or timeout).
 */
export class SteppingClock implements Clock {
  private current: number;
  private sleepers: { until: number; resolve: () => void }[] = [];
  constructor(start = Date.parse('2026-11-26T08:00:00Z')) {
    this.current = start;
  }
  now(): number {
    return this.current;
  }
  wallMs(): number {
    return performance.now();
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const sleeper = { until: this.current + Math.max(0, ms), resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(signal.reason);
      });
    });
  }
  nextDue(): number | undefined {
    return this.sleepers.reduce<number | undefined>(
      (min, s) => (min === undefined || s.until < min ? s.until : min),
      undefined,
    );
  }
  advanceTo(time: number): void {
    this.current = Math.max(this.current, time);
    const due = this.sleepers.filter((s) => s.until <= this.current).sort((a, b) => a.until - b.until);
    this.sleepers = this.sleepers.filter((s) => s.until > this.current);
    for (const s of due) s.resolve();
  }
}

class RecordingPublisher implements EventPublisher {
  readonly published: BusMessage[] = [];
  async publish(messages: BusMessage[]): Promise<void> {
    this.published.push(...messages);
  }
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

export const START = Date.parse('2026-11-26T08:00:00Z');

/**
 * dynalite + local-aws-sqs on loopback, the fake SCM, and the deployed delivery definition run by
 * aws-local-stepfunctions with the real task handlers, adapters and use cases, on a SteppingClock.
 */
export async function startHarness(
  options: { config?: Partial<CallbackConfig>; secret?: string; signWith?: string } = {},
) {
  const dynamo = await startDynamo();
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const dynamoClient = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'eu-north-1', credentials });
  await ensureTables(
    dynamoClient,
    TABLES.map((def) => ({ def, name: def.id })),
  );
  const sqsServer = await startSqs();
  const sqs = new SQSClient({ endpoint: sqsServer.endpoint, region: 'eu-north-1', credentials });
  const dlqUrl =
    (await sqs.send(new CreateQueueCommand({ QueueName: 'CallbackDeadLetters' }))).QueueUrl ?? '';
  const clock = new SteppingClock(START);
  const secret = options.secret ?? `whsec_${randomBytes(32).toString('base64')}`;
  const scm = await startFakeScm({ secret, clock });
  const publisher = new RecordingPublisher();
  const metrics: CallbackMetricName[] = [];
  /** Every metric value with its dimensions (counts and seconds). */
  const samples: { name: string; value: number; dimensions: Record<string, string> }[] = [];
  let ids = 0;
  const deps: CallbackDeps = {
    store: shipmentStore(new DynamoShipmentRecords(dynamoClient, SHIPMENTS_TABLE.id)),
    publisher,
    clock,
    ids: { next: () => `evt-${++ids}-${randomUUID().slice(0, 8)}` },
    logger: silent,
    callbacks: new DynamoCallbackStore(dynamoClient, CALLBACKS_TABLE.id),
    breakers: new DynamoBreakerStore(dynamoClient, CALLBACKS_TABLE.id),
    sender: new HttpWebhookSender({
      secrets: new StaticSecretSource(options.signWith ?? secret),
      clock,
      wallClock: systemClock,
    }),
    deadLetters: new SqsCallbackDeadLetters(sqs, dlqUrl),
    metrics: {
      count: (name, value = 1, dimensions = {}) => {
        metrics.push(name);
        samples.push({ name, value, dimensions });
      },
      seconds: (name, value) => samples.push({ name, value, dimensions: {} }),
    },
    breakerMemory: new BreakerMemory(),
    config: { endpoint: scm.webhookUrl, mode: 'live', breaker: DEFAULT_BREAKER, ...options.config },
  };
  const shipmentDeps: ShipmentDeps = { ...deps, priorityPolicy: { urgentDeclaredValue: 10_000 } };
  const rendered = renderDeliveryDefinition();
  const handlers = deliveryTasks(() => deps);
  const waits: WaitRecord[] = [];
  const failures: unknown[] = [];
  const machine = new LocalStateMachine({
    definition: rendered.definition,
    tasks: Object.fromEntries(Object.entries(rendered.tasks).map(([state, fn]) => [state, handlers[fn]])),
    clock,
    retryIntervalMs: 1,
    onWait: (w) => waits.push(w),
    onExecutionError: (_execution, error) => failures.push(error),
  });

  /** Until every execution is inside a task or a wait, and every busy task is blocked on the SCM. */
  const settle = async () => {
    let stable = 0;
    for (;;) {
      await new Promise((r) => setImmediate(r));
      const s = machine.stats();
      const quiet = s.running === s.waiting + s.busy && s.busy === scm.holding();
      if (!quiet) {
        stable = 0;
        await new Promise((r) => setTimeout(r, 1));
      } else if (++stable >= 5) return;
    }
  };

  return {
    clock,
    secret,
    scm,
    deps,
    publisher,
    metrics,
    samples,
    machine,
    waits,
    failures,
    settle,
    /** Runs the clock forward, from one due wait or timeout to the next, until no execution runs. */
    async runToEnd(options: { until?: number; onStep?: (now: number) => void | Promise<void> } = {}) {
      for (;;) {
        await settle();
        if (machine.stats().running === 0) return;
        const due = clock.nextDue();
        if (due === undefined)
          throw new Error(`stuck: ${JSON.stringify(machine.stats())}, nothing scheduled`);
        if (options.until !== undefined && due > options.until) return;
        clock.advanceTo(due);
        await options.onStep?.(clock.now());
      }
    },
    /** A shipment in OPTIMIZED with its route, and the route.optimized event as the bus delivers it. */
    async optimizedShipment(shipmentId: string, version = 1) {
      const correlationId = `corr-${shipmentId}`;
      const { state } = await submitShipment(
        {
          body: {
            shipmentId,
            version,
            region: 'eu-north',
            serviceLevel: 'NEXT_DAY',
            origin: { depotId: 'DEPOT-1', lat: 59.33, lon: 18.06 },
            destination: { lat: 59.4, lon: 17.95 },
            weightKg: 12.5,
          },
          correlationId,
          mode: 'create',
        },
        shipmentDeps,
      );
      const optimizing = await commit(shipmentDeps, state, {
        type: 'shipment.optimizing',
        status: 'OPTIMIZING',
        version,
        correlationId,
        patch: {},
      });
      const route = {
        routeId: `R-${shipmentId}`,
        vehicleId: 'V-1',
        sequence: 3,
        stops: 12,
        eta: '2026-11-26T09:41:00Z',
        batchId: 'B-1',
        optimizedAt: '2026-11-26T08:00:00Z',
      };
      const detail = {
        shipmentId,
        version,
        correlationId,
        region: 'eu-north',
        priority: state.priority,
        ...route,
      };
      const { event } = await commit(shipmentDeps, optimizing.state, {
        type: 'shipment.optimized',
        status: 'OPTIMIZED',
        version,
        correlationId,
        patch: { route },
        busEvent: { detailType: ROUTE_OPTIMIZED, detail },
      });
      return {
        version: '0',
        id: randomUUID(),
        'detail-type': ROUTE_OPTIMIZED,
        source: EVENT_SOURCE,
        account: '000000000000',
        time: new Date(clock.now()).toISOString(),
        region: 'eu-north-1',
        resources: [],
        detail: event.outbox?.detail ?? {},
      };
    },
    async shipment(shipmentId: string) {
      return deps.store.get(shipmentId);
    },
    async trail(shipmentId: string) {
      return (await deps.store.events(shipmentId)).map((e) => `${e.type}:${e.status}`);
    },
    /** Takes every message off the callback DLQ. */
    async drainDlq(): Promise<CallbackDeadLetter[]> {
      const letters: CallbackDeadLetter[] = [];
      for (;;) {
        const r = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        if (!r.Messages?.length) return letters;
        for (const m of r.Messages) {
          letters.push(CallbackDeadLetter.parse(JSON.parse(m.Body ?? '')));
          await sqs.send(
            new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: m.ReceiptHandle ?? '' }),
          );
        }
      }
    },
    sqs,
    sqsEndpoint: sqsServer.endpoint,
    dynamoEndpoint: dynamo.endpoint,
    dlqUrl,
    async close() {
      await machine.stop();
      await scm.close();
      dynamoClient.destroy();
      sqs.destroy();
      await dynamo.close();
      await sqsServer.close();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;
