import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startQueuePoller } from '../../local/services/queue-poller';
import { ensureQueue, startSqs } from '../../local/services/sqs';
import type { DynamoLeaseLock } from '../../shared/adapters/dynamodb/lease-lock';
import { SqsJobQueue } from '../../shared/adapters/sqs/job-queue';
import { BATCH_JOB_QUEUES } from '../../shared/adapters/sqs/queues';
import { runBatchJob } from '../../shared/domain/batching/batch-job';
import { closeDueWindows, enqueueShipment } from '../../shared/domain/batching/windows';
import { detailOf } from '../../shared/domain/use-cases/recovery';
import { submitShipment } from '../../shared/domain/use-cases/shipments';
import { BatchJob } from '../../shared/schemas/batching';
import { sampleShipment } from '../support/arbitraries';
import { batchingDeps } from '../support/batching-deps';
import { dynamoOnLoopback } from '../support/dynamo';

let dynamo: Awaited<ReturnType<typeof dynamoOnLoopback>>;
let sqsServer: Awaited<ReturnType<typeof startSqs>>;
let sqs: SQSClient;
beforeAll(async () => {
  dynamo = await dynamoOnLoopback();
  sqsServer = await startSqs();
  sqs = new SQSClient({
    endpoint: sqsServer.endpoint,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});
afterAll(async () => {
  sqs.destroy();
  await sqsServer.close();
  await dynamo.close();
});

const depth = async (url: string) => {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0)
  );
};

describe('batch jobs while the region is busy', () => {
  it('a region held by another optimization: the job waits on the queue, never counted as a failed receive, never in the DLQ', async () => {
    const def = BATCH_JOB_QUEUES[0];
    if (!def) throw new Error('no batch job queue');
    // Visibility timeout 1 s (scaled like the local runtime), 5 receives before the DLQ.
    const queue = await ensureQueue(sqs, def, def.visibilityTimeoutSeconds);
    const { deps, clock } = batchingDeps(dynamo.client);
    deps.jobs = new SqsJobQueue(sqs, { STANDARD: queue.url });
    const region = 'busy-1';
    for (let i = 0; i < 4; i++) {
      const body = sampleShipment({
        shipmentId: `BUSY-${i}`,
        region,
        timeWindow: undefined,
        destination: { lat: 59.3 + i * 0.01, lon: 18.02 + i * 0.01 },
      });
      const { state } = await submitShipment({ body, correlationId: `c-${i}`, mode: 'create' }, deps);
      await enqueueShipment(detailOf(state, `evt-busy-${i}`, state.updatedAt), deps);
    }
    // Another run holds the region's lease (on this virtual clock it never expires by itself).
    const lock = `optimize#STANDARD#${region}`;
    expect(await deps.locks.acquire(lock, 'another-run', 3_600_000)).toBe(true);
    await clock.advance(600_000);
    expect((await closeDueWindows(deps)).closed).toBe(1);

    const outcomes: string[] = [];
    const poller = startQueuePoller({
      sqs,
      name: 'StandardOptimizer',
      queueUrl: queue.url,
      queueArn: queue.arn,
      batchSize: 1,
      idleMs: 50,
      // The optimizer's partial batch response: a thrown record is a failed receive.
      handler: async (event): Promise<SQSBatchResponse> => {
        const batchItemFailures = [];
        for (const record of event.Records) {
          try {
            const count = Number(record.attributes.ApproximateReceiveCount) || 1;
            const job = BatchJob.parse(JSON.parse(record.body));
            outcomes.push((await runBatchJob(job, { count, max: def.maxReceiveCount }, deps)).kind);
          } catch {
            batchItemFailures.push({ itemIdentifier: record.messageId });
          }
        }
        return { batchItemFailures };
      },
    });
    try {
      // Long enough for 5 failed receives (1 s visibility) had the busy region failed the message.
      await new Promise((r) => setTimeout(r, 7_000));
      expect(await depth(queue.dlqUrl)).toBe(0);
      expect(outcomes.length).toBeGreaterThanOrEqual(3);
      expect(new Set(outcomes)).toEqual(new Set(['deferred']));
      expect(await depth(queue.url)).toBe(1); // the one job, waiting for the region

      await deps.locks.release(lock, 'another-run');
      const deadline = Date.now() + 10_000;
      while (!outcomes.includes('optimized') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(outcomes.at(-1)).toBe('optimized');
      for (let i = 0; i < 4; i++) expect((await deps.store.get(`BUSY-${i}`))?.status).toBe('OPTIMIZED');
      expect(await depth(queue.dlqUrl)).toBe(0);
    } finally {
      await poller.stop();
    }
  }, 30_000);

  it('a restarted local runtime drops the leases of the run that died (nothing of it is still running)', async () => {
    const { deps } = batchingDeps(dynamo.client);
    const store = deps.locks as DynamoLeaseLock;
    expect(await store.acquire('optimize#STANDARD#dead-1', 'dead-run-a', 3_600_000)).toBe(true);
    expect(await store.acquire('optimize#BULK#dead-1', 'dead-run-b', 3_600_000)).toBe(true);
    expect(await store.acquire('optimize#STANDARD#dead-1', 'new-run', 3_600_000)).toBe(false);
    expect(await store.releaseAllLeases()).toBeGreaterThanOrEqual(2);
    expect(await store.acquire('optimize#STANDARD#dead-1', 'new-run', 3_600_000)).toBe(true);
    expect(await store.acquire('optimize#BULK#dead-1', 'new-run', 3_600_000)).toBe(true);
  });
});
