import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { RuntimeDescriptor } from './runtime-process';
import { until as untilValue } from './until';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const region = 'eu-north-1';

/** Every shipment id with at least one item (state or audit event) in the Shipments table. */
export async function storedShipmentIds(runtime: Pick<RuntimeDescriptor, 'endpoints'>): Promise<Set<string>> {
  const client = new DynamoDBClient({ endpoint: runtime.endpoints.dynamodb, region, credentials });
  const ids = new Set<string>();
  try {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: 'Shipments',
          ProjectionExpression: 'pk',
          ...(start ? { ExclusiveStartKey: start as never } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        const pk = item.pk?.S ?? '';
        if (pk.startsWith('SHIPMENT#')) ids.add(pk.slice('SHIPMENT#'.length));
      }
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    client.destroy();
  }
  return ids;
}

export interface QueueDepth {
  name: string;
  url: string;
  visible: number;
  inFlight: number;
  /** A dead-letter queue (a name ending in -dlq, or the callback DLQ). */
  deadLetter: boolean;
}

/** Depth of every queue of the runtime's SQS endpoint. */
export async function queueDepths(runtime: Pick<RuntimeDescriptor, 'endpoints'>): Promise<QueueDepth[]> {
  const sqs = new SQSClient({ endpoint: runtime.endpoints.sqs, region, credentials });
  try {
    const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
    return await Promise.all(
      QueueUrls.map(async (url) => {
        const { Attributes = {} } = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: url,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        );
        const name = url.split('/').at(-1) ?? url;
        return {
          name,
          url,
          visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
          inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
          deadLetter: name.endsWith('-dlq') || /DeadLetter/i.test(name),
        };
      }),
    );
  } finally {
    sqs.destroy();
  }
}

/** Up to `max` message bodies of a queue, made visible again right after (for reports). */
export async function peekQueue(
  runtime: Pick<RuntimeDescriptor, 'endpoints'>,
  url: string,
  max = 10,
): Promise<string[]> {
  const sqs = new SQSClient({ endpoint: runtime.endpoints.sqs, region, credentials });
  // Received messages stay hidden until every one is read (so none is read twice), then are
  // made visible again: the queue is left as it was.
  const seen = new Map<string, { body: string; receipt: string }>();
  try {
    while (seen.size < max) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: Math.min(10, max - seen.size),
          WaitTimeSeconds: 0,
          VisibilityTimeout: 60,
        }),
      );
      const fresh = Messages.filter((m) => !seen.has(m.MessageId ?? ''));
      if (fresh.length === 0) break;
      for (const m of fresh)
        seen.set(m.MessageId ?? '', { body: m.Body ?? '', receipt: m.ReceiptHandle ?? '' });
    }
    return [...seen.values()].map((m) => m.body);
  } finally {
    for (const m of seen.values()) {
      await sqs
        .send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: url,
            ReceiptHandle: m.receipt,
            VisibilityTimeout: 0,
          }),
        )
        .catch(() => undefined);
    }
    sqs.destroy();
  }
}

/**
 * Polls `probe` until it returns a value other than undefined, or throws after `timeoutMs`; a probe
 * that fails (the runtime restarting) counts as no value yet.
 */
export function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  return untilValue(what, () => probe().catch(() => undefined), timeoutMs, intervalMs);
}
