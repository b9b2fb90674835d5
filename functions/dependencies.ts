import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { awsClients } from '../../shared/adapters/clients';
import { DynamoShipmentStore } from '../../shared/adapters/dynamodb/shipment-store';
import { EventBridgePublisher } from '../../shared/adapters/eventbridge/publisher';
import { uuidIds } from '../../shared/adapters/ids';
import { scaledClock } from '../../shared/domain/clock';
import type { ShipmentDeps } from '../../shared/domain/use-cases/dependencies';
import { logger, MetricUnit, metrics } from '../../shared/runtime/observability';
import { type Environment, parseEnvironment } from '../../shared/schemas/environment';

/** Composition root of the API functions: built once per container, from the environment. */
export interface ApiDependencies extends ShipmentDeps {
  env: Environment;
  idempotency: DynamoDBPersistenceLayer;
}

let cached: ApiDependencies | undefined;

export function apiDependencies(): ApiDependencies {
  if (cached) return cached;
  const env = parseEnvironment();
  const clients = awsClients(env);
  const deps: ApiDependencies = {
    env,
    store: new DynamoShipmentStore(clients.dynamodb, env.SHIPMENTS_TABLE),
    publisher: new EventBridgePublisher(clients.eventbridge, env.EVENT_BUS_NAME),
    clock: scaledClock(env.TIME_SCALE),
    ids: uuidIds,
    priorityPolicy: { urgentDeclaredValue: env.URGENT_DECLARED_VALUE },
    logger,
    onConcurrencyConflict: () => metrics.addMetric('VersionConflicts', MetricUnit.Count, 1),
    idempotency: new DynamoDBPersistenceLayer({
      tableName: env.IDEMPOTENCY_TABLE,
      awsSdkV3Client: clients.dynamodb,
    }),
  };
  cached = deps;
  return deps;
}
