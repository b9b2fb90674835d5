import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { ensureTables, startDynamo } from '../../local/services/dynamodb';
import { TABLES } from '../../shared/adapters/dynamodb/tables';

/** dynalite on loopback (in memory) with every table of the service created. */
export async function dynamoOnLoopback() {
  const server = await startDynamo();
  const client = new DynamoDBClient({
    endpoint: server.endpoint,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await ensureTables(
    client,
    TABLES.map((def) => ({ def, name: def.id })),
  );
  return {
    endpoint: server.endpoint,
    client,
    async close() {
      client.destroy();
      await server.close();
    },
  };
}

type Dynamo = Awaited<ReturnType<typeof dynamoOnLoopback>>;

/**
 * One dynalite for the suite of the file that calls it: started before its tests, closed after
 * them. The object it returns reads the running instance (its `client` and `endpoint`).
 */
export function dynamoForSuite(): Pick<Dynamo, 'client' | 'endpoint'> {
  let running: Dynamo | undefined;
  beforeAll(async () => {
    running = await dynamoOnLoopback();
  });
  afterAll(async () => {
    await running?.close();
    running = undefined;
  });
  const current = (): Dynamo => {
    if (!running) throw new Error('dynamoForSuite: read before the suite started, or after it ended');
    return running;
  };
  return {
    get client() {
      return current().client;
    },
    get endpoint() {
      return current().endpoint;
    },
  };
}
