import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Environment } from '../schemas/environment';

/**
 * AWS SDK clients from configuration. Explicit endpoints (the local runtime) win; otherwise the SDK
 * resolves AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> itself (LocalStack) or the real AWS.
 */
export function awsClients(
  env: Pick<Environment, 'AWS_REGION' | 'DYNAMODB_ENDPOINT' | 'EVENTBRIDGE_ENDPOINT' | 'SQS_ENDPOINT'>,
) {
  const common = { region: env.AWS_REGION };
  return {
    dynamodb: new DynamoDBClient({
      ...common,
      ...(env.DYNAMODB_ENDPOINT ? { endpoint: env.DYNAMODB_ENDPOINT } : {}),
    }),
    eventbridge: new EventBridgeClient({
      ...common,
      ...(env.EVENTBRIDGE_ENDPOINT ? { endpoint: env.EVENTBRIDGE_ENDPOINT } : {}),
    }),
    sqs: new SQSClient({ ...common, ...(env.SQS_ENDPOINT ? { endpoint: env.SQS_ENDPOINT } : {}) }),
  };
}
