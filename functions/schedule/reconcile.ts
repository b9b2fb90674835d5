import { randomUUID } from 'node:crypto';
import { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { awsClients } from '../../shared/adapters/clients';
import { DynamoBreakerStore, DynamoCallbackStore } from '../../shared/adapters/dynamodb/callback-store';
import { DynamoReconciliationRuns } from '../../shared/adapters/dynamodb/reconciliation-store';
import { HttpScmListing } from '../../shared/adapters/scm/http-listing';
import { StepFunctionsDeliveryStarter } from '../../shared/adapters/stepfunctions/delivery-starter';
import { webhookSecretSource } from '../../shared/adapters/webhooks/secrets-manager';
import { systemClock } from '../../shared/domain/clock';
import { METRICS } from '../../shared/domain/operations/metric-names';
import {
  DEFAULT_RECONCILE_SETTINGS,
  type ReconcileDeps,
  type ReconciliationReport,
  reconcileHourly,
} from '../../shared/domain/operations/reconcile';
import {
  type DailyReconcileDeps,
  type DailyReconciliationReport,
  reconcileDaily,
} from '../../shared/domain/operations/reconcile-daily';
import { lambdaHandler } from '../../shared/runtime/lambda';
import { MetricUnit, recordMetric } from '../../shared/runtime/observability';
import { parseWith } from '../../shared/schemas/callback-environment';
import { Environment } from '../../shared/schemas/environment';
import { dependencies } from '../composition';

/** What the reconciliation reads besides the common environment. */
export const ReconcileEnvironment = Environment.extend({
  CALLBACKS_TABLE: z.string().min(1),
  CALLBACK_STATE_MACHINE_ARN: z.string().min(1),
  STEPFUNCTIONS_ENDPOINT: z.url().optional(),
});

let cached: ReconcileDeps | undefined;

/** Composition root of the reconciliation (the scheduled Lambda, the local runtime, the CLI). */
export function reconcileDependencies(): ReconcileDeps {
  if (cached) return cached;
  const env = parseWith(ReconcileEnvironment);
  const base = dependencies();
  const clients = awsClients(env);
  const sfn = new SFNClient({
    region: env.AWS_REGION,
    ...(env.STEPFUNCTIONS_ENDPOINT ? { endpoint: env.STEPFUNCTIONS_ENDPOINT } : {}),
  });
  cached = {
    store: base.store,
    publisher: base.publisher,
    clock: base.clock,
    ids: base.ids,
    logger: base.logger,
    callbacks: new DynamoCallbackStore(clients.dynamodb, env.CALLBACKS_TABLE),
    breakers: new DynamoBreakerStore(clients.dynamodb, env.CALLBACKS_TABLE),
    deliveries: new StepFunctionsDeliveryStarter(sfn, env.CALLBACK_STATE_MACHINE_ARN),
    runs: new DynamoReconciliationRuns(clients.dynamodb, env.BATCHING_TABLE, base.locks),
    metrics: {
      stuckShipmentsFound: (count) => recordMetric(METRICS.stuckShipmentsFound, MetricUnit.Count, count),
    },
    settings: {
      ...DEFAULT_RECONCILE_SETTINGS,
      // A QUEUED shipment waits at most a window (and its close): two of the longest, plus 10 min.
      queuedMs: Math.max(
        DEFAULT_RECONCILE_SETTINGS.queuedMs,
        2 * Math.max(env.WINDOW_MINUTES_STANDARD, env.WINDOW_MINUTES_BULK) * 60_000 + 10 * 60_000,
      ),
    },
  };
  return cached;
}

/** EventBridge Scheduler, hourly: one reconciliation run (a second overlapping one finds the lease taken). */
export const handler = lambdaHandler(async (): Promise<Omit<ReconciliationReport, 'items'>> => {
  const { items: _items, ...summary } = await reconcileHourly(reconcileDependencies(), {
    runId: randomUUID(),
  });
  return summary;
});

/** What the daily comparison reads besides the hourly run's: the SCM listing and the signing secret. */
export const DailyReconcileEnvironment = ReconcileEnvironment.extend({
  SCM_BASE_URL: z.url(),
  SCM_WEBHOOK_SECRET_ARN: z.string().min(1).optional(),
  SCM_WEBHOOK_SECRET: z.string().min(1).optional(),
  SECRETS_MANAGER_ENDPOINT: z.url().optional(),
}).refine((env) => env.SCM_WEBHOOK_SECRET_ARN || env.SCM_WEBHOOK_SECRET, {
  message: 'SCM_WEBHOOK_SECRET_ARN or SCM_WEBHOOK_SECRET is required',
  path: ['SCM_WEBHOOK_SECRET_ARN'],
});

let cachedDaily: DailyReconcileDeps | undefined;

/** Composition root of the daily comparison (the scheduled Lambda, the local runtime, the CLI). */
export function dailyReconcileDependencies(): DailyReconcileDeps {
  if (cachedDaily) return cachedDaily;
  const env = parseWith(DailyReconcileEnvironment);
  const hourly = reconcileDependencies();
  const secrets = webhookSecretSource(env);
  cachedDaily = {
    store: hourly.store,
    callbacks: new DynamoCallbackStore(awsClients(env).dynamodb, env.CALLBACKS_TABLE),
    deliveries: hourly.deliveries,
    runs: hourly.runs,
    clock: hourly.clock,
    logger: hourly.logger,
    scm: new HttpScmListing({ baseUrl: env.SCM_BASE_URL, secrets, wallClock: systemClock }),
    metrics: {
      scmDiscrepanciesFound: (finding, count) =>
        recordMetric(METRICS.scmDiscrepanciesFound, MetricUnit.Count, count, { finding }),
    },
  };
  return cachedDaily;
}

/** EventBridge Scheduler, daily: one comparison with the SCM listing. */
export const dailyHandler = lambdaHandler(async (): Promise<Omit<DailyReconciliationReport, 'items'>> => {
  const { items: _items, ...summary } = await reconcileDaily(dailyReconcileDependencies(), {
    runId: randomUUID(),
  });
  return summary;
});
