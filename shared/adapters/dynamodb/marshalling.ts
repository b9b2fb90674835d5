import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, type TranslateConfig } from '@aws-sdk/lib-dynamodb';

/**
 * How the stores translate between JavaScript values and DynamoDB attribute values.
 *
 * - `allowImpreciseNumbers`: a number above 2^53 (an SCM's `metadata` may carry one) is written as
 *   the shortest decimal that reads back as the same double, instead of being refused; the schema
 *   has already bounded every number to DynamoDB's range (shared/schemas/json-limits.ts).
 * - `wrapNumbers`: read back as the same double. The default would turn such a number into a
 *   BigInt (which JSON.stringify refuses) or throw when it has an exponent.
 */
export const TRANSLATE_CONFIG: TranslateConfig = {
  marshallOptions: { removeUndefinedValues: true, allowImpreciseNumbers: true },
  unmarshallOptions: { wrapNumbers: (value: string) => Number(value) },
};

export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, TRANSLATE_CONFIG);
}

const isPlainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/**
 * A copy of a JSON-like value in which every plain object is a `Map`, for values whose keys are
 * data (SCM metadata). The marshaller picks an object's type by `value.constructor.name`: a plain
 * object with its own key `constructor` fails (`Unsupported type passed`), or worse, passes as a
 * number, a string or a set when that key holds `{ "name": "Number" }`. A `Map` is marshalled from
 * its entries, whatever its keys are called, and reads back as a plain object. Iterative.
 */
export function keysAsData(value: unknown): unknown {
  const convert = (v: unknown): { copy: unknown; todo?: [unknown, object] } => {
    if (v === null || typeof v !== 'object') return { copy: v };
    if (Array.isArray(v)) {
      const copy: unknown[] = new Array(v.length);
      return { copy, todo: [v, copy] };
    }
    if (!isPlainObject(v)) return { copy: v };
    const copy = new Map<string, unknown>();
    return { copy, todo: [v, copy] };
  };
  const root = convert(value);
  const pending: [unknown, object][] = root.todo ? [root.todo] : [];
  while (pending.length > 0) {
    const [source, target] = pending.pop() as [unknown, object];
    if (Array.isArray(source)) {
      source.forEach((inner, i) => {
        const { copy, todo } = convert(inner);
        (target as unknown[])[i] = copy;
        if (todo) pending.push(todo);
      });
    } else {
      for (const [key, inner] of Object.entries(source as object)) {
        const { copy, todo } = convert(inner);
        (target as Map<string, unknown>).set(key, copy);
        if (todo) pending.push(todo);
      }
    }
  }
  return root.copy;
}
