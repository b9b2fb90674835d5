import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { BATCH_JOB_QUEUES } from '../../shared/adapters/sqs/queues';
import { runBatchJob } from '../../shared/domain/batching/batch-job';
import { flushMetrics, logger } from '../../shared/runtime/observability';
import { BatchJob } from '../../shared/schemas/batching';
import { dependencies } from '../dependencies';

/**
 * The batch optimizer: one closed window per job. A region already being optimized sends the job
 * again with a delay (not a failed receive); a finished window is a no-op. A job that fails on its
 * last receive gives its window up, then goes to the DLQ (runBatchJob).
 */
const deps = dependencies();
const processor = new BatchProcessor(EventType.SQS);

const recordHandler = async (record: SQSRecord) => {
  const job = BatchJob.parse(JSON.parse(record.body));
  const max = BATCH_JOB_QUEUES.find((q) => q.priority === job.priority)?.maxReceiveCount ?? 5;
  const count = Number(record.attributes.ApproximateReceiveCount) || 1;
  const outcome = await runBatchJob(job, { count, max }, deps);
  logger.info('batch job done', { windowId: job.windowId, outcome: outcome.kind });
};

export const handler = async (event: SQSEvent, context: Context) => {
  try {
    return await processPartialResponse(event, recordHandler, processor, { context });
  } finally {
    flushMetrics();
  }
};
