import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { awsClients } from '../shared/adapters/clients';
import { dynamoBatchingStores } from '../shared/adapters/dynamodb/batching-store';
import { DynamoShipmentRecords } from '../shared/adapters/dynamodb/shipment-records';
import { EventBridgePublisher } from '../shared/adapters/eventbridge/publisher';
import { uuidIds } from '../shared/adapters/ids';
import { routingMatrix } from '../shared/adapters/routing-matrix';
import { SqsJobQueue } from '../shared/adapters/sqs/job-queue';
import { BATCH_JOB_QUEUES } from '../shared/adapters/sqs/queues';
import type { BatchingDeps, BatchingMetrics } from '../shared/domain/batching/batching-deps';
import { serviceClock } from '../shared/domain/clock';
import { METRICS } from '../shared/domain/operations/metric-names';
import { shipmentStore } from '../shared/domain/shipment-store';
import { loadFleetConfig } from '../shared/runtime/fleet-config';
import { logger, MetricUnit, metrics, recordMetric, traceClients } from '../shared/runtime/observability';
import { type BatchingSettings, OPTIMIZER_SLACK_SECONDS } from '../shared/schemas/batching';
import { type Environment, parseEnvironment } from '../shared/schemas/environment';
import { insertShipment, planRoutes, soloDistanceMeters } from '../shared/solver';

/** Composition root of every function: built once per container, from the environment. */
export interface ServiceDependencies extends BatchingDeps {
  env: Environment;
  /**
   * A new idempotency persistence layer, for one use only (one API endpoint, one consumer). Powertools
   * configures a layer once, by its first caller: a layer shared between uses would key and replay
   * the records of one with the configuration of another.
   */
  idempotencyStore: () => DynamoDBPersistenceLayer;
}

export const batchingMetrics: BatchingMetrics = {
  batchOptimized: (v) => {
    metrics.addDimension('priority', v.priority);
    metrics.addMetric('BatchShipments', MetricUnit.Count, v.shipments);
    metrics.addMetric('BatchSolverSeconds', MetricUnit.Seconds, v.solverSeconds);
    metrics.addMetric('ConsolidationGainPercent', MetricUnit.Percent, v.consolidationGainPct);
    metrics.addMetric('StaleResults', MetricUnit.Count, v.stale);
    metrics.addMetric('UnassignedShipments', MetricUnit.Count, v.unassigned);
    // The alarmed latency: its own line with {service, priority} (contract §5: p99 over budget).
    recordMetric(METRICS.optimizationSeconds, MetricUnit.Seconds, v.seconds, { priority: v.priority });
  },
  realtimeOptimized: (v) => {
    recordMetric(METRICS.realtimeSeconds, MetricUnit.Seconds, v.seconds);
    recordMetric(`Realtime${v.outcome[0]?.toUpperCase()}${v.outcome.slice(1)}`, MetricUnit.Count, 1);
  },
  staleResult: () => recordMetric(METRICS.versionConflicts, MetricUnit.Count, 1),
  // Its own EMF line with the service dimension only: the ShipmentsUnassigned alarm's metric.
  shipmentUnassigned: () => recordMetric(METRICS.shipmentsUnassigned, MetricUnit.Count, 1),
};

/** CloudWatch (EMF) and the local sink: the names of shared/domain/operations/metric-names.ts. */
let cached: ServiceDependencies | undefined;

export function dependencies(): ServiceDependencies {
  if (cached) return cached;
  const env = parseEnvironment();
  const clients = awsClients(env);
  // Subsegments per AWS call in X-Ray (from the first calls after the tracer has loaded).
  void traceClients(Object.values(clients)).catch((error) =>
    logger.warn('tracing unavailable', { error: String(error) }),
  );
  const clock = serviceClock(env);
  const batching = dynamoBatchingStores(clients.dynamodb, env.BATCHING_TABLE, clock);
  const fleet = loadFleetConfig(env.FLEET_CONFIG);
  const deps: ServiceDependencies = {
    env,
    store: shipmentStore(new DynamoShipmentRecords(clients.dynamodb, env.SHIPMENTS_TABLE, clock)),
    publisher: new EventBridgePublisher(clients.eventbridge, env.EVENT_BUS_NAME),
    clock,
    ids: uuidIds,
    priorityPolicy: { urgentDeclaredValue: env.URGENT_DECLARED_VALUE },
    maxDeliveryRadiusKm: env.MAX_DELIVERY_RADIUS_KM,
    logger,
    onConcurrencyConflict: () => recordMetric(METRICS.versionConflicts, MetricUnit.Count, 1),
    idempotencyStore: () =>
      new DynamoDBPersistenceLayer({ tableName: env.IDEMPOTENCY_TABLE, awsSdkV3Client: clients.dynamodb }),
    windows: batching.windows,
    batches: batching.batches,
    locks: batching.locks,
    jobs: new SqsJobQueue(clients.sqs, {
      ...(env.BATCH_JOBS_P1_URL ? { STANDARD: env.BATCH_JOBS_P1_URL } : {}),
      ...(env.BATCH_JOBS_P2_URL ? { BULK: env.BATCH_JOBS_P2_URL } : {}),
    }),
    engine: { planRoutes, soloDistanceMeters, insertShipment },
    fleet,
    // Distances and durations (ROUTING_MATRIX); a failing road-network provider degrades to the
    // great-circle estimate for that call, logged and counted (MatrixFallbacks).
    matrix: routingMatrix(env, {
      roadFactor: fleet.roadFactor,
      speedKmh: fleet.speedKmh,
      onFallback: ({ provider, points, timedOut, error }) => {
        logger.warn('routing matrix provider failed: great-circle estimate used for this call', {
          provider,
          points,
          timedOut,
          error: error as Error,
        });
        // Its own EMF line, with the service dimension only: the alarm's metric (not the batch's dimensions).
        recordMetric('MatrixFallbacks', MetricUnit.Count, 1);
      },
    }),
    settings: batchingSettings(env),
    metrics: batchingMetrics,
  };
  cached = deps;
  return deps;
}

/**
 * Batching settings from the environment. Solver budgets are wall time; windows, leases and stuck
 * windows are clock time, which the local runtime scales by TIME_SCALE.
 */
export function batchingSettings(env: Environment): BatchingSettings {
  return {
    windowMs: {
      URGENT: 60_000,
      STANDARD: env.WINDOW_MINUTES_STANDARD * 60_000,
      BULK: env.WINDOW_MINUTES_BULK * 60_000,
    },
    maxBatchSize: env.MAX_BATCH_SIZE,
    // Solver time is wall time; on a scaled local clock it shrinks with the windows (at least 200 ms).
    batchBudgetMs: Math.max(200, Math.round((env.BATCH_BUDGET_SECONDS * 1000) / env.TIME_SCALE)),
    batchStallIterations: env.BATCH_STALL_ITERATIONS,
    urgentBudgetMs: env.URGENT_BUDGET_MS,
    realtimeRepairMs: env.URGENT_REPAIR_MS,
    urgentDispatchLeadMs: env.URGENT_DISPATCH_LEAD_SECONDS * 1000,
    maxConcurrentPerPriority: env.MAX_CONCURRENT_BATCHES,
    maxUnassignedWindows: env.MAX_UNASSIGNED_WINDOWS,
    // Twice the budget plus a minute of queueing, both wall time, as clock time: on a scaled local
    // clock they last longer (at TIME_SCALE 120 an unscaled 180 s passed in 1.5 s of a backlog, and
    // windows waiting their turn were sent again three times and given up).
    stuckWindowMs: 2 * (env.BATCH_BUDGET_SECONDS * 1000 + 60_000) * env.TIME_SCALE,
    maxWindowResends: 3,
    // The batch job queues' visibility timeout (clock time: the local runtime scales both alike).
    jobRetryMs: Math.max(...BATCH_JOB_QUEUES.map((q) => q.visibilityTimeoutSeconds)) * 1000,
    // The optimizer's Lambda timeout (budget + 60 s) is wall time: on a scaled clock it lasts longer.
    optimizeLeaseMs: Math.round((env.BATCH_BUDGET_SECONDS + OPTIMIZER_SLACK_SECONDS) * 1000 * env.TIME_SCALE),
  };
}
