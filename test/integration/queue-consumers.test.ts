import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SqsHandler, startQueuePoller } from '../../local/services/queue-poller';
import { ensureQueue, type QueueUrls, startSqs } from '../../local/services/sqs';
import { BATCHING_TABLE, IDEMPOTENCY_TABLE, SHIPMENTS_TABLE } from '../../shared/adapters/dynamodb/tables';
import { SHIPMENT_QUEUES } from '../../shared/adapters/sqs/queues';
import { submitShipment } from '../../shared/domain/use-cases/shipments';
import type { ShipmentState } from '../../shared/schemas/state';
import { sampleShipment } from '../support/arbitraries';
import { testDeps } from '../support/deps';
import { dynamoOnLoopback } from '../support/dynamo';

let dynamo: Awaited<ReturnType<typeof dynamoOnLoopback>>;
let sqsServer: Awaited<ReturnType<typeof startSqs>>;
let sqs: SQSClient;
let queue: QueueUrls;
let windowConsumer: SqsHandler;

beforeAll(async () => {
  dynamo = await dynamoOnLoopback();
  sqsServer = await startSqs();
  sqs = new SQSClient({
    endpoint: sqsServer.endpoint,
    region: 'eu-north-1',
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
  });
  const p1 = SHIPMENT_QUEUES.find((q) => q.tier === 'p1');
  if (!p1) throw new Error('no p1');
  // Visibility 1 s (timeScale 180), so five receives take seconds, not minutes.
  queue = await ensureQueue(sqs, { ...p1, id: 'ConsumerTest' }, p1.visibilityTimeoutSeconds);
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 't',
    AWS_SECRET_ACCESS_KEY: 't',
    SHIPMENTS_TABLE: SHIPMENTS_TABLE.id,
    IDEMPOTENCY_TABLE: IDEMPOTENCY_TABLE.id,
    BATCHING_TABLE: BATCHING_TABLE.id,
    EVENT_BUS_NAME: 'test',
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    SQS_ENDPOINT: sqsServer.endpoint,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
  });
  ({ windowConsumer } = (await import('../../functions/queue/shipments')) as unknown as {
    windowConsumer: SqsHandler;
  });
});

afterAll(async () => {
  sqs?.destroy();
  await sqsServer?.close();
  await dynamo?.close();
});

const envelope = (s: ShipmentState, eventId: string) =>
  JSON.stringify({
    version: '0',
    id: `bus-${eventId}`,
    'detail-type': 'shipment.created',
    source: 'scm.route-optimizer',
    time: s.updatedAt,
    detail: {
      eventId,
      shipmentId: s.shipmentId,
      version: s.version,
      priority: s.priority,
      region: s.region,
      status: s.status,
      correlationId: s.correlationId,
      occurredAt: s.updatedAt,
    },
  });

async function depth(url: string) {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

describe('priority queue consumer (partial batch responses, idempotency, DLQ)', () => {
  it('gives a message delivered 3 times one effect, and dead-letters a poison message after 5 receives while the rest succeed', async () => {
    const { deps } = testDeps(dynamo.client);
    const states: ShipmentState[] = [];
    for (const id of ['Q-1', 'Q-2', 'Q-3']) {
      states.push(
        (
          await submitShipment(
            {
              body: sampleShipment({ shipmentId: id, region: 'queue-test', timeWindow: undefined }),
              correlationId: id,
              mode: 'create',
            },
            deps,
          )
        ).state,
      );
    }
    const [s1, s2, s3] = states as [ShipmentState, ShipmentState, ShipmentState];
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: [
          { Id: 'a', MessageBody: envelope(s1, 'evt-1') },
          { Id: 'b', MessageBody: envelope(s1, 'evt-1') },
          { Id: 'c', MessageBody: '{"this is": "not a shipment event"' },
          { Id: 'd', MessageBody: envelope(s2, 'evt-2') },
          { Id: 'e', MessageBody: envelope(s1, 'evt-1') },
          { Id: 'f', MessageBody: envelope(s3, 'evt-3') },
        ],
      }),
    );
    let poisonReceives = 0;
    const counting: SqsHandler = async (event, context) => {
      poisonReceives += event.Records.filter((r) => r.body.startsWith('{"this is"')).length;
      return windowConsumer(event, context);
    };
    const poller = startQueuePoller({
      sqs,
      queueUrl: queue.url,
      queueArn: queue.arn,
      handler: counting,
      name: 'test',
      idleMs: 100,
    });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && ((await depth(queue.dlqUrl)) < 1 || (await depth(queue.url)) > 0)) {
      await new Promise((r) => setTimeout(r, 250));
    }
    await poller.stop();

    expect(await depth(queue.url)).toBe(0);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.dlqUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['All'],
        AttributeNames: ['All'],
      }),
    );
    expect(Messages.map((m) => m.Body)).toEqual(['{"this is": "not a shipment event"']);
    expect(poisonReceives).toBe(5);

    const items = (await dynamo.client.send(new ScanCommand({ TableName: BATCHING_TABLE.id }))).Items ?? [];
    const members = items.filter((i) => String(i.sk).startsWith('MEMBER#'));
    expect(members.map((m) => (m.member as { shipmentId: string }).shipmentId).sort()).toEqual([
      'Q-1',
      'Q-2',
      'Q-3',
    ]);
    const window = items.find((i) => i.sk === 'META' && String(i.pk).startsWith('WINDOW#'));
    expect(window?.count).toBe(3);
    const records =
      (await dynamo.client.send(new ScanCommand({ TableName: IDEMPOTENCY_TABLE.id }))).Items ?? [];
    expect(records.filter((r) => String(r.id).startsWith('window-consumer'))).toHaveLength(3);
    for (const r of records) expect(Number(r.expiration)).toBeGreaterThan(Date.now() / 1000 + 23 * 3600);
  });
});
