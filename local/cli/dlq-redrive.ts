import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SFNClient } from '@aws-sdk/client-sfn';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { redriveExecutionName } from '../../functions/ops/redrive';
import { SqsMessageSource } from '../../shared/adapters/sqs/callback-dead-letters';
import { StepFunctionsDeliveryStarter } from '../../shared/adapters/stepfunctions/delivery-starter';
import { redriveCallbacks } from '../../shared/domain/callbacks/redrive';
import { numberOption, parseCli, runCli, UsageError } from '../../shared/runtime/cli';
import { CALLBACKS_DESCRIPTOR, type CallbacksDescriptor } from '../modules/callbacks';

const COMMAND = 'npm run dlq:redrive --';
const USAGE = `usage: npm run dlq:redrive -- --queue NAME [--dry-run] [--max N] [--to NAME] [--endpoint SQS_URL] [--sfn-endpoint URL] [--data-dir DIR]

The callback DLQ (CallbackDeadLetters): restarts each delivery with its original webhook-id.
Any other DLQ (e.g. UrgentShipments-dlq): moves its messages back to the source queue (the name
without -dlq, or --to NAME). Finds the running local runtime through DATA_DIR/callbacks.json.

  --queue NAME         the dead-letter queue
  --dry-run            say what would be done, change nothing
  --max N              at most N messages (a positive integer)
  --to NAME            the queue to move messages to (default: NAME without -dlq)
  --endpoint URL       the SQS endpoint (default: the local runtime's)
  --sfn-endpoint URL   the Step Functions endpoint (default: the local runtime's)
  --data-dir DIR       the local runtime's DATA_DIR (default DATA_DIR, else .data)`;

async function main() {
  const { values } = parseCli({
    usage: USAGE,
    options: {
      queue: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      max: { type: 'string' },
      endpoint: { type: 'string' },
      'sfn-endpoint': { type: 'string' },
      to: { type: 'string' },
      'data-dir': { type: 'string', default: process.env.DATA_DIR ?? '.data' },
    },
  });
  if (!values.queue) throw new UsageError('--queue NAME is required');
  const queue = values.queue;
  const max =
    values.max !== undefined ? numberOption('--max', values.max, { integer: true, min: 1 }) : undefined;
  const descriptorFile = join(values['data-dir'], CALLBACKS_DESCRIPTOR);
  const descriptor: Partial<CallbacksDescriptor> = existsSync(descriptorFile)
    ? (JSON.parse(readFileSync(descriptorFile, 'utf8')) as CallbacksDescriptor)
    : {};
  const sqsEndpoint = values.endpoint ?? descriptor.sqsEndpoint;
  if (!sqsEndpoint)
    throw new UsageError(
      `no SQS endpoint: pass --endpoint or start the local runtime (it writes ${descriptorFile})`,
    );
  const region = process.env.AWS_REGION ?? 'eu-north-1';
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const sqs = new SQSClient({ region, endpoint: sqsEndpoint, credentials });
  try {
    await redrive(sqs, { ...values, queue, max, descriptor, region, credentials });
  } finally {
    sqs.destroy();
  }
}

/** The URL of a queue; an unknown name is a usage error that lists the queues that exist. */
async function queueUrl(sqs: SQSClient, name: string, option: string): Promise<string> {
  try {
    return (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl ?? '';
  } catch (error) {
    if (!(error instanceof QueueDoesNotExist)) throw error;
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await sqs.send(new ListQueuesCommand({ MaxResults: 1000, NextToken: token }));
      for (const url of page.QueueUrls ?? []) names.push(url.slice(url.lastIndexOf('/') + 1));
      token = page.NextToken;
    } while (token);
    throw new UsageError(
      `${option}: no queue named ${name}; the queues are: ${names.sort().join(', ') || '(none)'}`,
    );
  }
}

async function redrive(
  sqs: SQSClient,
  values: {
    queue: string;
    'dry-run': boolean;
    max: number | undefined;
    to?: string | undefined;
    'sfn-endpoint'?: string | undefined;
    descriptor: Partial<CallbacksDescriptor>;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  },
) {
  const { descriptor, max, region, credentials } = values;
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const url = await queueUrl(sqs, values.queue, '--queue');
  if (values.queue === (descriptor.deadLetterQueue?.name ?? 'CallbackDeadLetters')) {
    const sfnEndpoint = values['sfn-endpoint'] ?? descriptor.stepFunctionsEndpoint;
    if (!sfnEndpoint || !descriptor.stateMachineArn)
      throw new Error('the local runtime is not running (no Step Functions endpoint)');
    const report = await redriveCallbacks(
      {
        source: new SqsMessageSource(sqs, url, 30),
        starter: new StepFunctionsDeliveryStarter(
          new SFNClient({ region, endpoint: sfnEndpoint, credentials }),
          descriptor.stateMachineArn,
        ),
        logger: silent,
      },
      {
        dryRun: values['dry-run'],
        ...(max !== undefined ? { max } : {}),
        executionName: redriveExecutionName,
      },
    );
    for (const r of report.redriven)
      console.log(`${report.dryRun ? 'would redrive' : 'redriven'} ${r.webhookId} (${r.shipmentId})`);
    console.log(
      `${report.redriven.length} callback(s) ${report.dryRun ? 'would be ' : ''}redriven, ${report.unreadable} unreadable left in place`,
    );
  } else {
    const target = values.to ?? values.queue.replace(/-dlq$/, '');
    if (target === values.queue)
      throw new UsageError('--to is required for a queue whose name does not end in -dlq');
    const targetUrl = await queueUrl(sqs, target, '--to');
    let moved = 0;
    if (values['dry-run']) {
      const attrs = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
      );
      const waiting = Number(attrs.Attributes?.ApproximateNumberOfMessages ?? 0);
      moved = max !== undefined ? Math.min(max, waiting) : waiting;
    }
    while (!values['dry-run'] && (max === undefined || moved < max)) {
      const batch = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 30,
          WaitTimeSeconds: 0,
        }),
      );
      const messages = batch.Messages ?? [];
      if (messages.length === 0) break;
      for (const m of messages) {
        if (max !== undefined && moved >= max) {
          await sqs.send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: url,
              ReceiptHandle: m.ReceiptHandle ?? '',
              VisibilityTimeout: 0,
            }),
          );
          continue;
        }
        await sqs.send(new SendMessageCommand({ QueueUrl: targetUrl, MessageBody: m.Body ?? '' }));
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle ?? '' }));
        moved++;
      }
    }
    console.log(
      `${moved} message(s) ${values['dry-run'] ? 'would be ' : ''}moved from ${values.queue} to ${target}`,
    );
  }
}

runCli(COMMAND, main);
