/**
 * The DynamoDB tables, described once: the CDK stateful stack builds them from these definitions
 * and the local runtime creates the same tables in its embedded DynamoDB.
 */
export interface KeyAttribute {
  name: string;
  type: 'S' | 'N';
}

export interface IndexDefinition {
  name: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
}

export interface TableDefinition {
  /** CDK construct id and the local table name. */
  id: string;
  /** Environment variable that carries the table name to the functions. */
  envVar: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  indexes: IndexDefinition[];
  /** Attribute with the expiry time (epoch seconds) when items expire by TTL. */
  ttlAttribute?: string;
}

export const SHIPMENTS_TABLE: TableDefinition = {
  id: 'Shipments',
  envVar: 'SHIPMENTS_TABLE',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  indexes: [
    // Sparse: only audit events whose bus message is not yet published carry these attributes.
    {
      name: 'outbox',
      partitionKey: { name: 'outboxShard', type: 'S' },
      sortKey: { name: 'outboxKey', type: 'S' },
    },
    // State items by status, oldest change first: reconciliation finds stuck shipments here.
    {
      name: 'byStatus',
      partitionKey: { name: 'statusKey', type: 'S' },
      sortKey: { name: 'updatedAt', type: 'S' },
    },
    // State items by region, oldest change first: GET /v1/shipments?region= (never a Scan).
    {
      name: 'byRegion',
      partitionKey: { name: 'regionKey', type: 'S' },
      sortKey: { name: 'updatedAt', type: 'S' },
    },
  ],
};

/** Powertools idempotency records (API Idempotency-Key and queue de-duplication), 24 h TTL. */
export const IDEMPOTENCY_TABLE: TableDefinition = {
  id: 'Idempotency',
  envVar: 'IDEMPOTENCY_TABLE',
  partitionKey: { name: 'id', type: 'S' },
  indexes: [],
  ttlAttribute: 'expiration',
};

/**
 * Callbacks to the SCM (one item per webhook-id) and the circuit breaker of each SCM endpoint.
 * `byStatus` lists callbacks by delivery status, oldest change first (resume after a restart).
 */
export const CALLBACKS_TABLE: TableDefinition = {
  id: 'Callbacks',
  envVar: 'CALLBACKS_TABLE',
  partitionKey: { name: 'pk', type: 'S' },
  indexes: [
    {
      name: 'byStatus',
      partitionKey: { name: 'statusKey', type: 'S' },
      sortKey: { name: 'updatedAt', type: 'S' },
    },
  ],
};

/**
 * Batching: windows and their members, batch records, routes, each region's current plan and the
 * optimization leases. `due` lists open windows by closing time (and closing ones by claim time);
 * `batchesByRegion` lists batch records of a region, newest last.
 */
export const BATCHING_TABLE: TableDefinition = {
  id: 'Batching',
  envVar: 'BATCHING_TABLE',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  indexes: [
    { name: 'due', partitionKey: { name: 'dueKey', type: 'S' }, sortKey: { name: 'dueAt', type: 'S' } },
    {
      name: 'batchesByRegion',
      partitionKey: { name: 'regionKey', type: 'S' },
      sortKey: { name: 'createdAt', type: 'S' },
    },
  ],
};

export const TABLES: readonly TableDefinition[] = [
  SHIPMENTS_TABLE,
  IDEMPOTENCY_TABLE,
  CALLBACKS_TABLE,
  BATCHING_TABLE,
];
