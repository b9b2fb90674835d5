import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DependencyError } from '../../domain/errors';

/** The sort key of every item the batching adapters write: one item per partition. */
export const META = 'META';
export const isConditionFailure = (error: unknown) =>
  (error as Error).name === 'ConditionalCheckFailedException';

/**
 * What the adapters of the Batching table share: the document client and one `send` that turns
 * any DynamoDB failure into a DependencyError. Every state change is a conditional write (works on
 * dynalite: no transactions).
 */
export abstract class BatchingTableAdapter {
  protected readonly doc: DynamoDBDocumentClient;
  constructor(
    client: DynamoDBClient,
    protected readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  /**
   * A conditional write: true when it was applied, false when its condition failed; any other
   * failure is a DependencyError with `failure` as its message.
   */
  // biome-ignore lint/suspicious/noExplicitAny: the document client's send is overloaded per command
  protected async conditional(command: any, failure: string): Promise<boolean> {
    try {
      await this.doc.send(command);
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw new DependencyError(failure, { cause: error });
    }
  }

  // biome-ignore lint/suspicious/noExplicitAny: the document client's send is overloaded per command
  protected async send(command: any): Promise<any> {
    try {
      return await this.doc.send(command);
    } catch (error) {
      throw new DependencyError('DynamoDB request failed', { cause: error });
    }
  }
}
