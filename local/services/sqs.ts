import type { AddressInfo } from 'node:net';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createSqsServer } from 'local-aws-sqs';
import { DLQ_RETENTION_DAYS, dlqName, type QueueDefinition } from '../../shared/adapters/sqs/queues';

/** SQS-protocol stand-in (local-aws-sqs) on loopback: visibility timeout, receive counts, redrive. */
export async function startSqs(options: { port?: number } = {}) {
  const server = await createSqsServer({
    port: options.port ?? 0,
    hostname: '127.0.0.1',
    emulateQueueCreationLifecycle: false,
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

export interface QueueUrls {
  url: string;
  arn: string;
  dlqUrl: string;
  dlqArn: string;
}

/**
 * Creates a queue and its DLQ with the redrive policy of its definition. `timeScale` shortens the
 * visibility timeout like every other wait of the local runtime (at least 1 s).
 */
export async function ensureQueue(
  client: SQSClient,
  def: QueueDefinition,
  timeScale = 1,
): Promise<QueueUrls> {
  const dlq = await client.send(
    new CreateQueueCommand({
      QueueName: dlqName(def),
      Attributes: { MessageRetentionPeriod: String(DLQ_RETENTION_DAYS * 86400) },
    }),
  );
  const dlqUrl = dlq.QueueUrl ?? '';
  const dlqArn = await queueArn(client, dlqUrl);
  const queue = await client.send(
    new CreateQueueCommand({
      QueueName: def.id,
      Attributes: {
        VisibilityTimeout: String(Math.max(1, Math.ceil(def.visibilityTimeoutSeconds / timeScale))),
        MessageRetentionPeriod: String(def.retentionDays * 86400),
        RedrivePolicy: JSON.stringify({ maxReceiveCount: def.maxReceiveCount, deadLetterTargetArn: dlqArn }),
      },
    }),
  );
  const url = queue.QueueUrl ?? '';
  return { url, arn: await queueArn(client, url), dlqUrl, dlqArn };
}

async function queueArn(client: SQSClient, url: string): Promise<string> {
  const attrs = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return attrs.Attributes?.QueueArn ?? '';
}
