import {
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { DependencyError } from '../../domain/errors';

/**
 * Every page of a Query, each item parsed, up to `limit` items (pages of at most 500 when a limit
 * is given). A failed request is a DependencyError: retryable.
 */
export async function queryAll<T>(
  doc: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey' | 'Limit'>,
  parse: (item: Record<string, unknown>) => T,
  limit = Number.POSITIVE_INFINITY,
): Promise<T[]> {
  const out: T[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    let page: QueryCommandOutput;
    try {
      page = await doc.send(
        new QueryCommand({
          ...input,
          ExclusiveStartKey: startKey,
          ...(Number.isFinite(limit) ? { Limit: Math.min(limit - out.length, 500) } : {}),
        }),
      );
    } catch (error) {
      throw new DependencyError('DynamoDB query failed', { cause: error });
    }
    for (const item of page.Items ?? []) out.push(parse(item));
    startKey = page.LastEvaluatedKey;
  } while (startKey && out.length < limit);
  return out;
}
