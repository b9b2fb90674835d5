/**
 * The priority queues, described once for the CDK stack and the local runtime. Each has a DLQ that
 * receives a message after `maxReceiveCount` failed receives (contract §3: 5).
 */
export interface QueueDefinition {
  tier: 'p0' | 'p1' | 'p2';
  /** CDK construct id and local queue name. */
  id: string;
  /** Environment variable that carries the queue URL to the functions. */
  envVar: string;
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  retentionDays: number;
}

export const SHIPMENT_QUEUES: readonly QueueDefinition[] = [
  {
    tier: 'p0',
    id: 'UrgentShipments',
    envVar: 'QUEUE_P0_URL',
    visibilityTimeoutSeconds: 60,
    maxReceiveCount: 5,
    retentionDays: 4,
  },
  {
    tier: 'p1',
    id: 'StandardShipments',
    envVar: 'QUEUE_P1_URL',
    visibilityTimeoutSeconds: 180,
    maxReceiveCount: 5,
    retentionDays: 4,
  },
  {
    tier: 'p2',
    id: 'BulkShipments',
    envVar: 'QUEUE_P2_URL',
    visibilityTimeoutSeconds: 180,
    maxReceiveCount: 5,
    retentionDays: 4,
  },
];

export const dlqName = (queue: QueueDefinition) => `${queue.id}-dlq`;
/** DLQs keep messages the longest SQS allows, so operators have time to redrive. */
export const DLQ_RETENTION_DAYS = 14;

/**
 * Batch optimizer work queues (one closed window per message), per priority so that each priority
 * has its own concurrency limit. Visibility covers the longest optimization (60 s budget) with margin.
 */
export const BATCH_JOB_QUEUES: readonly (QueueDefinition & { priority: 'STANDARD' | 'BULK' })[] = [
  {
    tier: 'p1',
    priority: 'STANDARD',
    id: 'BatchJobsStandard',
    envVar: 'BATCH_JOBS_P1_URL',
    visibilityTimeoutSeconds: 540,
    maxReceiveCount: 5,
    retentionDays: 4,
  },
  {
    tier: 'p2',
    priority: 'BULK',
    id: 'BatchJobsBulk',
    envVar: 'BATCH_JOBS_P2_URL',
    visibilityTimeoutSeconds: 540,
    maxReceiveCount: 5,
    retentionDays: 4,
  },
];
