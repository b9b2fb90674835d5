import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoBatchingStores } from '../../shared/adapters/dynamodb/batching-store';
import { BATCHING_TABLE } from '../../shared/adapters/dynamodb/tables';
import type { BatchingDeps, RoutingEngine } from '../../shared/domain/batching/batching-deps';
import { noMetrics } from '../../shared/domain/batching/batching-deps';
import type { JobQueue } from '../../shared/domain/batching/ports';
import { type BatchingSettings, type BatchJob, FleetConfig } from '../../shared/schemas/batching';
import { insertShipment, planRoutes, soloDistanceMeters } from '../../shared/solver';
import { testDeps } from './deps';

export class RecordingJobQueue implements JobQueue {
  readonly jobs: BatchJob[] = [];
  async enqueue(job: BatchJob): Promise<void> {
    this.jobs.push(job);
  }
}

export const realEngine: RoutingEngine = {
  planRoutes: (input, options) => planRoutes(input, { ...options, inThread: true }),
  soloDistanceMeters,
  insertShipment,
};

export const testSettings: BatchingSettings = {
  windowMs: { URGENT: 60_000, STANDARD: 600_000, BULK: 600_000 },
  maxBatchSize: 100,
  batchBudgetMs: 200,
  batchStallIterations: 20_000,
  urgentBudgetMs: 10_000,
  realtimeRepairMs: 100,
  urgentDispatchLeadMs: 300_000,
  maxConcurrentPerPriority: 4,
  maxUnassignedWindows: 3,
  stuckWindowMs: 180_000,
  maxWindowResends: 3,
  jobRetryMs: 540_000,
  optimizeLeaseMs: 90_000,
};

/** Batching use-case dependencies on dynalite with a virtual clock and a recording job queue. */
export function batchingDeps(client: DynamoDBClient, overrides: Partial<BatchingDeps> = {}) {
  const base = testDeps(client);
  const jobs = new RecordingJobQueue();
  const stores = dynamoBatchingStores(client, BATCHING_TABLE.id, base.clock);
  const deps: BatchingDeps = {
    ...base.deps,
    ...stores,
    jobs,
    engine: realEngine,
    fleet: FleetConfig.parse({}),
    settings: testSettings,
    metrics: noMetrics,
    ...overrides,
  };
  return { deps, jobs, clock: base.clock, publisher: base.publisher };
}
