import { randomUUID } from 'node:crypto';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export type SqsHandler = (
  event: SQSEvent,
  context: Context,
) => Promise<SQSBatchResponse | undefined | undefined>;

/**
 * The local twin of a Lambda SQS event source mapping with ReportBatchItemFailures: receives up to
 * `batchSize` messages, invokes the handler, deletes the ones that did not fail. Failed ones come
 * back after the queue's visibility timeout; the queue's redrive policy dead-letters them.
 * Short polls only (WaitTimeSeconds 0): local-aws-sqs duplicates messages on long polls.
 */
export function startQueuePoller(options: {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  handler: SqsHandler;
  name: string;
  batchSize?: number;
  /** Invocations at once (the event source's maximum concurrency). */
  concurrency?: number;
  idleMs?: number;
  onError?: (error: unknown) => void;
}) {
  let stopped = false;
  const workers = Array.from({ length: options.concurrency ?? 1 }, async () => {
    while (!stopped) {
      let busy = false;
      try {
        busy = await pollOnce();
      } catch (error) {
        options.onError?.(error);
      }
      if (!busy && !stopped) await new Promise((r) => setTimeout(r, options.idleMs ?? 200));
    }
  });

  async function pollOnce(): Promise<boolean> {
    const { Messages = [] } = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: options.batchSize ?? 10,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['All'],
        AttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return false;
    const records: SQSRecord[] = Messages.map((m) => ({
      messageId: m.MessageId ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
        SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp:
          m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: options.queueArn,
      awsRegion: 'eu-north-1',
    }));
    let failed = new Set<string>();
    try {
      const response = await options.handler({ Records: records }, lambdaContext(options.name));
      failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      options.onError?.(error);
      return true; // the whole batch failed: every message comes back after its visibility timeout
    }
    const done = Messages.filter((m) => !failed.has(m.MessageId ?? ''));
    if (done.length > 0) {
      await options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
    return true;
  }

  return {
    async stop() {
      stopped = true;
      await Promise.all(workers);
    },
  };
}

export function lambdaContext(functionName: string, timeoutMs = 900_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
