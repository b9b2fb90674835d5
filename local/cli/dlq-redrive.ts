import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SFNClient } from '@aws-sdk/client-sfn';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { redriveExecutionName } from '../../functions/ops/redrive';
import { SqsMessageSource } from '../../shared/adapters/sqs/callback-dead-letters';
import { StepFunctionsDeliveryStarter } from '../../shared/adapters/stepfunctions/delivery-starter';
import { redriveCallbacks } from '../../shared/domain/callbacks/redrive';
import { CALLBACKS_DESCRIPTOR, type CallbacksDescriptor } from '../modules/callbacks';

/**
 * `npm run dlq:redrive -- --queue NAME [--dry-run] [--max N] [--endpoint URL] [--data-dir DIR]`
 *
 * The callback DLQ (CallbackDeadLetters): restarts each delivery with its original webhook-id.
 * Any other DLQ (e.g. UrgentShipments-dlq): moves its messages back to the source queue (the name
 * without `-dlq`, or --to NAME). Finds the running local runtime through DATA_DIR/callbacks.json.
 */
const { values } = parseArgs({
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

if (!values.queue) {
  console.error('usage: npm run dlq:redrive -- --queue NAME [--dry-run] [--max N] [--endpoint SQS_URL]');
  process.exit(2);
}
const descriptorFile = join(values['data-dir'], CALLBACKS_DESCRIPTOR);
const descriptor: Partial<CallbacksDescriptor> = existsSync(descriptorFile)
  ? (JSON.parse(readFileSync(descriptorFile, 'utf8')) as CallbacksDescriptor)
  : {};
const sqsEndpoint = values.endpoint ?? descriptor.sqsEndpoint;
if (!sqsEndpoint) {
  console.error(`no SQS endpoint: pass --endpoint or start the local runtime (it writes ${descriptorFile})`);
  process.exit(2);
}
const region = process.env.AWS_REGION ?? 'eu-north-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const sqs = new SQSClient({ region, endpoint: sqsEndpoint, credentials });
const max = values.max !== undefined ? Number(values.max) : undefined;
if (max !== undefined && !(Number.isInteger(max) && max > 0)) {
  console.error('--max must be a positive integer');
  process.exit(2);
}
const queueUrl = (name: string) =>
  sqs.send(new GetQueueUrlCommand({ QueueName: name })).then((r) => r.QueueUrl ?? '');
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

try {
  const url = await queueUrl(values.queue);
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
      throw new Error('--to is required for a queue whose name does not end in -dlq');
    const targetUrl = await queueUrl(target);
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
} catch (error) {
  console.error(`redrive failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  sqs.destroy();
}
