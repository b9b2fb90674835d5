import { randomUUID } from 'node:crypto';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { SqsMessageSource } from '../../shared/adapters/sqs/callback-dead-letters';
import { StepFunctionsDeliveryStarter } from '../../shared/adapters/stepfunctions/delivery-starter';
import { type RedriveReport, redriveCallbacks } from '../../shared/domain/callbacks/redrive';
import { lambdaHandler } from '../../shared/runtime/lambda';
import { logger } from '../../shared/runtime/observability';
import { parseWith, RedriveEnvironment } from '../../shared/schemas/callback-environment';

/** What an operator passes (console test event or `aws lambda invoke`). */
export const RedriveRequest = z.strictObject({
  dryRun: z.boolean().default(false),
  max: z.int().positive().optional(),
});

let cached: ReturnType<typeof build> | undefined;

function build() {
  const env = parseWith(RedriveEnvironment);
  const sqs = new SQSClient({
    region: env.AWS_REGION,
    ...(env.SQS_ENDPOINT ? { endpoint: env.SQS_ENDPOINT } : {}),
  });
  const sfn = new SFNClient({
    region: env.AWS_REGION,
    ...(env.STEPFUNCTIONS_ENDPOINT ? { endpoint: env.STEPFUNCTIONS_ENDPOINT } : {}),
  });
  return {
    source: new SqsMessageSource(sqs, env.CALLBACK_DLQ_URL),
    starter: new StepFunctionsDeliveryStarter(sfn, env.CALLBACK_STATE_MACHINE_ARN),
    logger,
  };
}

/** Operations Lambda: redrives the callback DLQ (each delivery keeps its webhook-id). */
export const handler = lambdaHandler(async (event: unknown): Promise<RedriveReport> => {
  const request = RedriveRequest.parse(event ?? {});
  cached ??= build();
  const report = await redriveCallbacks(cached, {
    dryRun: request.dryRun,
    ...(request.max !== undefined ? { max: request.max } : {}),
    executionName: redriveExecutionName,
  });
  logger.info('callback DLQ redrive', {
    redriven: report.redriven.length,
    unreadable: report.unreadable,
    dryRun: report.dryRun,
  });
  return report;
});

/** Unique per redrive, at most 80 characters, only characters Step Functions allows. */
export function redriveExecutionName(webhookId: string): string {
  return `redrive-${randomUUID().slice(0, 8)}-${webhookId}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80);
}
