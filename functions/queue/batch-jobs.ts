import { BATCH_JOB_QUEUES } from '../../shared/adapters/sqs/queues';
import { runBatchJob } from '../../shared/domain/batching/batch-job';
import { jsonBody, sqsConsumer } from '../../shared/runtime/lambda';
import { BatchJob } from '../../shared/schemas/batching';
import { dependencies } from '../composition';

/**
 * The batch optimizer: one closed window per job. A region already being optimized sends the job
 * again with a delay (not a failed receive); a finished window is a no-op. A job that fails on its
 * last receive gives its window up, then goes to the DLQ (runBatchJob).
 */
const deps = dependencies();

/** A job that is not JSON of a BatchJob fails (→ DLQ). */
const parseBatchJob = jsonBody(BatchJob);

export const handler = sqsConsumer({
  parse: parseBatchJob,
  handle: async (job, record, log) => {
    const max = BATCH_JOB_QUEUES.find((q) => q.priority === job.priority)?.maxReceiveCount ?? 5;
    const count = Number(record.attributes.ApproximateReceiveCount) || 1;
    const outcome = await runBatchJob(job, { count, max }, deps);
    log.info('batch job done', { windowId: job.windowId, outcome: outcome.kind });
  },
});
