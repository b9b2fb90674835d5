import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { startBackingServices } from '../../local/services/service-thread';

const dir = mkdtempSync(join(tmpdir(), 'services-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const region = 'eu-north-1';

describe('the local runtime’s DynamoDB and SQS stand-ins on a thread of their own', () => {
  it('answer over loopback from their thread, keep DynamoDB data on disk across a restart, and run on the main thread with LOCAL_SERVICES_THREAD=off', async () => {
    const path = join(dir, 'dynamodb');
    const first = await startBackingServices({ dynamoPath: path });
    expect(first.where).toBe('thread');
    const dynamo = new DynamoDBClient({ endpoint: first.endpoints.dynamodb, region, credentials });
    await dynamo.send(
      new CreateTableCommand({
        TableName: 'things',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    await dynamo.send(new PutItemCommand({ TableName: 'things', Item: { pk: { S: 'a' }, n: { N: '1' } } }));
    const sqs = new SQSClient({ endpoint: first.endpoints.sqs, region, credentials });
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'q' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'hello' }));
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 0 }));
    expect(Messages?.map((m) => m.Body)).toEqual(['hello']);
    dynamo.destroy();
    sqs.destroy();
    await first.close();

    // Started again on the same folder, on the main thread this time: the item is still there.
    process.env.LOCAL_SERVICES_THREAD = 'off';
    try {
      const second = await startBackingServices({ dynamoPath: path });
      expect(second.where).toBe('main');
      const again = new DynamoDBClient({ endpoint: second.endpoints.dynamodb, region, credentials });
      const { Item } = await again.send(new GetItemCommand({ TableName: 'things', Key: { pk: { S: 'a' } } }));
      expect(Item?.n?.N).toBe('1');
      again.destroy();
      await second.close();
    } finally {
      delete process.env.LOCAL_SERVICES_THREAD;
    }
  });
});
