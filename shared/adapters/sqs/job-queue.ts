import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { JobQueue } from '../../domain/batching/ports';
import { DependencyError } from '../../domain/errors';
import type { BatchJob } from '../../schemas/batching';

/** Batch optimizer jobs on SQS, one queue per priority (each with its own concurrency limit). */
export class SqsJobQueue implements JobQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly urls: Partial<Record<BatchJob['priority'], string>>,
  ) {}

  async enqueue(job: BatchJob, options: { delaySeconds?: number } = {}): Promise<void> {
    const url = this.urls[job.priority];
    if (!url) throw new DependencyError(`no batch job queue configured for ${job.priority}`);
    const delay = Math.min(900, Math.max(0, Math.ceil(options.delaySeconds ?? 0)));
    try {
      await this.client.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: JSON.stringify(job),
          ...(delay > 0 ? { DelaySeconds: delay } : {}),
        }),
      );
    } catch (error) {
      throw new DependencyError('enqueueing the batch job failed', { cause: error });
    }
  }
}
