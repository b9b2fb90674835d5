import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { RuntimeDescriptor } from './runtime-process';

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
  try {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: 0,
        VisibilityTimeout: 5,
      }),
    );
    for (const m of Messages) {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: m.ReceiptHandle ?? '',
          VisibilityTimeout: 0,
        }),
      );
    }
    return Messages.map((m) => m.Body ?? '');
  } finally {
    sqs.destroy();
  }
}

/** Polls `probe` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
