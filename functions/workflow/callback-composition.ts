import { SSMClient } from '@aws-sdk/client-ssm';
import { awsClients } from '../../shared/adapters/clients';
import { DynamoBreakerStore, DynamoCallbackStore } from '../../shared/adapters/dynamodb/callback-store';
import { DynamoShipmentRecords } from '../../shared/adapters/dynamodb/shipment-records';
import { EventBridgePublisher } from '../../shared/adapters/eventbridge/publisher';
import { uuidIds } from '../../shared/adapters/ids';
import { fileLiveShare } from '../../shared/adapters/rollout/file-live-share';
import { SsmLiveShare } from '../../shared/adapters/rollout/ssm-live-share';
import { SqsCallbackDeadLetters } from '../../shared/adapters/sqs/callback-dead-letters';
import { HttpWebhookSender } from '../../shared/adapters/webhooks/http-sender';
import { webhookSecretSource } from '../../shared/adapters/webhooks/secrets-manager';
import type { SecretSource } from '../../shared/adapters/webhooks/signature';
import { BreakerMemory, DEFAULT_BREAKER } from '../../shared/domain/callbacks/breaker';
import type { CallbackDeps } from '../../shared/domain/callbacks/delivery';
import type { LiveShareSource } from '../../shared/domain/callbacks/rollout';
import { type Clock, serviceClock, systemClock } from '../../shared/domain/clock';
import { shipmentStore } from '../../shared/domain/shipment-store';
import { logger, MetricUnit, recordMetric } from '../../shared/runtime/observability';
import { CallbackEnvironment, parseWith } from '../../shared/schemas/callback-environment';

let cached: CallbackDeps | undefined;

/** Composition root of the delivery tasks: built once per container, from the environment. */
export function callbackDependencies(overrides: { clock?: Clock } = {}): CallbackDeps {
  if (cached) return cached;
  const env = parseWith(CallbackEnvironment);
  const clients = awsClients(env);
  const clock = overrides.clock ?? serviceClock(env);
  const secrets: SecretSource = webhookSecretSource(env);
  const liveShare = liveShareSource(env, clock);
  cached = {
    store: shipmentStore(new DynamoShipmentRecords(clients.dynamodb, env.SHIPMENTS_TABLE, clock)),
    publisher: new EventBridgePublisher(clients.eventbridge, env.EVENT_BUS_NAME),
    clock,
    ids: uuidIds,
    logger,
    callbacks: new DynamoCallbackStore(clients.dynamodb, env.CALLBACKS_TABLE),
    breakers: new DynamoBreakerStore(clients.dynamodb, env.CALLBACKS_TABLE),
    sender: new HttpWebhookSender({ secrets, clock, wallClock: systemClock }),
    deadLetters: new SqsCallbackDeadLetters(clients.sqs, env.CALLBACK_DLQ_URL),
    metrics: {
      count: (name, value = 1, dimensions = {}) => recordMetric(name, MetricUnit.Count, value, dimensions),
      seconds: (name, value) => recordMetric(name, MetricUnit.Seconds, value),
    },
    breakerMemory: new BreakerMemory(),
    config: {
      endpoint: env.SCM_CALLBACK_URL,
      mode: env.CALLBACK_MODE,
      ...(env.SHADOW_CALLBACK_URL ? { shadowUrl: env.SHADOW_CALLBACK_URL } : {}),
      ...(liveShare ? { liveShare } : {}),
      breaker: {
        ...DEFAULT_BREAKER,
        failureThreshold: env.BREAKER_FAILURE_THRESHOLD,
        openMs: env.BREAKER_OPEN_SECONDS * 1000,
        probeLeaseMs: Math.max(env.BREAKER_OPEN_SECONDS * 1000, 15_000),
      },
    },
  };
  return cached;
}

/** Where the rollout share comes from: SSM in AWS, a file locally, none (every shipment live). */
function liveShareSource(env: CallbackEnvironment, clock: Clock): LiveShareSource | undefined {
  if (env.LIVE_SHARE_PARAMETER) {
    const ssm = new SSMClient({
      region: env.AWS_REGION,
      ...(env.SSM_ENDPOINT ? { endpoint: env.SSM_ENDPOINT } : {}),
    });
    return new SsmLiveShare(ssm, env.LIVE_SHARE_PARAMETER, env.LIVE_SHARE_MAX_AGE_SECONDS);
  }
  if (env.LIVE_SHARE_FILE)
    return fileLiveShare(env.LIVE_SHARE_FILE, clock, {
      maxAgeMs: env.LIVE_SHARE_MAX_AGE_SECONDS * 1000,
      fallback: env.LIVE_SHARE,
    });
  return env.LIVE_SHARE < 1 ? { liveShare: async () => env.LIVE_SHARE } : undefined;
}
