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

  async enqueue(job: BatchJob): Promise<void> {
    const url = this.urls[job.priority];
    if (!url) throw new DependencyError(`no batch job queue configured for ${job.priority}`);
    try {
      await this.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify(job) }));
    } catch (error) {
      throw new DependencyError('enqueueing the batch job failed', { cause: error });
    }
  }
}
