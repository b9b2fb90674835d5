import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { type KeyAttribute, TABLES, type TableDefinition } from '../../shared/adapters/dynamodb/tables';

const attr = (k: KeyAttribute) => ({
  name: k.name,
  type: k.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
});

/**
 * The DynamoDB tables from their shared definitions: on-demand, point-in-time recovery, TTL where
 * defined, AWS-owned-key encryption, retained when the stack is deleted.
 */
export class DataTables extends Construct {
  readonly tables: Record<string, TableV2> = {};
  constructor(scope: Construct, id: string, definitions: readonly TableDefinition[] = TABLES) {
    super(scope, id);
    for (const def of definitions) {
      this.tables[def.id] = new TableV2(this, def.id, {
        partitionKey: attr(def.partitionKey),
        ...(def.sortKey ? { sortKey: attr(def.sortKey) } : {}),
        billing: Billing.onDemand(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: TableEncryptionV2.awsManagedKey(),
        deletionProtection: true,
        removalPolicy: RemovalPolicy.RETAIN,
        ...(def.ttlAttribute ? { timeToLiveAttribute: def.ttlAttribute } : {}),
        globalSecondaryIndexes: def.indexes.map((i) => ({
          indexName: i.name,
          partitionKey: attr(i.partitionKey),
          ...(i.sortKey ? { sortKey: attr(i.sortKey) } : {}),
        })),
      });
    }
  }

  table(def: TableDefinition): TableV2 {
    const table = this.tables[def.id];
    if (!table) throw new Error(`table ${def.id} is not defined`);
    return table;
  }
}
