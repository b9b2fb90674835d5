import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListEventBusesCommand } from '@aws-sdk/client-eventbridge';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localstackEnvironment } from '../../scripts/deploy';
import { awsClients } from '../../shared/adapters/clients';

/**
 * LocalStack cannot run here; what can be checked is the endpoint configuration its path relies
 * on: with the environment `npm run deploy:localstack` sets (AWS_ENDPOINT_URL), the clients the
 * functions build (no explicit *_ENDPOINT, as in the deployed template) all send to that endpoint.
 */
let server: Server;
let endpoint: string;
const seen: string[] = [];
const saved = { ...process.env };

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(String(req.headers['x-amz-target'] ?? `${req.method} ${req.url}`));
    res.statusCode = 400;
    res.setHeader('content-type', 'application/x-amz-json-1.1');
    res.end(JSON.stringify({ __type: 'UnknownOperationException', message: 'stand-in' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const key of Object.keys(process.env)) if (key.startsWith('AWS_ENDPOINT_URL')) delete process.env[key];
  Object.assign(process.env, localstackEnvironment({ LOCALSTACK_ENDPOINT: endpoint }));
});
afterAll(async () => {
  process.env = saved;
  await new Promise((r) => server.close(r));
});

describe('the LocalStack endpoint configuration', () => {
  it('sends DynamoDB, EventBridge, SQS, SSM and Secrets Manager calls to AWS_ENDPOINT_URL', async () => {
    const clients = awsClients({ AWS_REGION: 'eu-north-1' });
    const quiet = (call: Promise<unknown>) => call.catch(() => undefined);
    await quiet(clients.dynamodb.send(new ListTablesCommand({})));
    await quiet(clients.sqs.send(new ListQueuesCommand({})));
    await quiet(clients.eventbridge.send(new ListEventBusesCommand({})));
    await quiet(
      new SSMClient({ region: 'eu-north-1', maxAttempts: 1 }).send(new GetParameterCommand({ Name: '/x' })),
    );
    await quiet(
      new SecretsManagerClient({ region: 'eu-north-1', maxAttempts: 1 }).send(new ListSecretsCommand({})),
    );
    expect(seen).toEqual(
      expect.arrayContaining([
        'DynamoDB_20120810.ListTables',
        'AmazonSQS.ListQueues',
        'AWSEvents.ListEventBuses',
        'AmazonSSM.GetParameter',
        'secretsmanager.ListSecrets',
      ]),
    );
  });
});
