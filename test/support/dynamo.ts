import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
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
