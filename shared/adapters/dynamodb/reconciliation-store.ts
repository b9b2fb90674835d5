import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { LeaseLock } from '../../domain/batching/ports';
import { DependencyError } from '../../domain/errors';
import type { ReconciliationReport, ReconciliationRuns } from '../../domain/operations/reconcile';
import type { DailyReconciliationReport } from '../../domain/operations/reconcile-daily';
import { documentClient, keysAsData } from './marshalling';
import { queryAll } from './query';

/**
 * Reconciliation runs on the Batching table: the run lease is a batching lease (`LOCK#…`, a
 * conditional write with an expiry), and each report one item under `RECONCILIATION#<kind>`,
 * sorted by start time and run id, so the latest reports are one query away.
 */
export class DynamoReconciliationRuns implements ReconciliationRuns {
  private readonly doc: DynamoDBDocumentClient;
  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    private readonly locks: LeaseLock,
  ) {
    this.doc = documentClient(client);
  }

  acquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.locks.acquire(name, owner, ttlMs);
  }

  release(name: string, owner: string): Promise<void> {
    return this.locks.release(name, owner);
  }

  async saveReport(report: { kind: 'hourly' | 'daily'; runId: string; startedAt: string }): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: `RECONCILIATION#${report.kind}`,
            sk: `${report.startedAt}#${report.runId}`,
            report: keysAsData(report),
          },
        }),
      );
    } catch (error) {
      throw new DependencyError('saving the reconciliation report failed', { cause: error });
    }
  }

  /** The reports of `kind`, oldest first. */
  async reports(kind?: 'hourly'): Promise<ReconciliationReport[]>;
  async reports(kind: 'daily'): Promise<DailyReconciliationReport[]>;
  async reports(
    kind: 'hourly' | 'daily' = 'hourly',
  ): Promise<(ReconciliationReport | DailyReconciliationReport)[]> {
    return queryAll(
      this.doc,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `RECONCILIATION#${kind}` },
      },
      (item) => item.report as ReconciliationReport | DailyReconciliationReport,
    );
  }
}
