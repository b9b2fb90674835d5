/**
 * What DynamoDB can store, as checks on parsed JSON. Every shipment body ends up in DynamoDB items
 * (its audit event, its state projection, the idempotency record of its response), and a value
 * DynamoDB refuses would fail there, after the request was accepted, as a 5xx on every retry.
 * So the API refuses it up front. The limits (Amazon DynamoDB developer guide, "Quotas", data types):
 *
 * - a number has at most 38 significant digits and is 0 or of magnitude 1E-130 to
 *   9.9999999999999999999999999999999999999E+125; NaN and the infinities do not exist;
 * - maps and lists nest at most 32 levels, the top-level attribute counting as level 1.
 *
 * A JavaScript number has at most 17 significant digits, so only its magnitude needs a check.
 * Every walk here is iterative: a body 100,000 levels deep costs memory, never the call stack.
 */

/** Smallest magnitude of a non-zero DynamoDB number. */
export const DYNAMODB_MIN_MAGNITUDE = 1e-130;
/**
 * DynamoDB's largest magnitude, 9.9999999999999999999999999999999999999E+125, rounds to the
 * double 1e126, which DynamoDB refuses: storable numbers are strictly below it.
 */
export const DYNAMODB_MAX_MAGNITUDE_EXCLUSIVE = 1e126;
/** Levels of nesting DynamoDB stores in one item, the top-level attribute being level 1. */
export const DYNAMODB_MAX_NESTING = 32;

export const STORABLE_NUMBER_MESSAGE =
  'not storable: a number must be 0 or of magnitude between 1e-130 and 9.99e125';

/** True for a number DynamoDB stores exactly as JavaScript holds it. */
export function isStorableNumber(value: number): boolean {
  if (!Number.isFinite(value)) return false;
  const magnitude = Math.abs(value);
  return (
    magnitude === 0 || (magnitude >= DYNAMODB_MIN_MAGNITUDE && magnitude < DYNAMODB_MAX_MAGNITUDE_EXCLUSIVE)
  );
}

export interface JsonProblem {
  /** Path of the offending value from the walked root (keys and array indices). */
  path: (string | number)[];
  message: string;
}

interface Node {
  value: unknown;
  /** 1 for the root; a container's members are one level deeper. */
  depth: number;
  parent: Node | undefined;
  key: string | number | undefined;
}

function pathOf(node: Node): (string | number)[] {
  const path: (string | number)[] = [];
  for (let n: Node | undefined = node; n?.key !== undefined; n = n.parent) path.push(n.key);
  return path.reverse();
}

/**
 * The first value of a parsed JSON document that cannot be stored as opaque data, or undefined:
 * a container (object or array) nested deeper than `maxDepth` (the root is level 1), a key
 * `__proto__` (JSON.parse keeps it as an own key, but most object code turns it into a prototype
 * change, and DynamoDB's unmarshaller drops it), or a number DynamoDB cannot store. Depth first,
 * without recursion; it stops at the first problem.
 */
export function firstJsonProblem(root: unknown, options: { maxDepth: number }): JsonProblem | undefined {
  const stack: Node[] = [{ value: root, depth: 1, parent: undefined, key: undefined }];
  while (stack.length > 0) {
    const node = stack.pop() as Node;
    const { value } = node;
    if (typeof value === 'number') {
      if (!isStorableNumber(value)) return { path: pathOf(node), message: STORABLE_NUMBER_MESSAGE };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (node.depth > options.maxDepth) {
      return { path: pathOf(node), message: `nested deeper than ${options.maxDepth} levels` };
    }
    const entries: [string | number, unknown][] = Array.isArray(value)
      ? value.map((v, i) => [i, v])
      : Object.entries(value);
    // Pushed in reverse so that the walk visits members in document order.
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, inner] = entries[i] as [string | number, unknown];
      if (key === '__proto__') {
        return {
          path: pathOf({ value: inner, depth: 0, parent: node, key }),
          message: 'the key __proto__ is not accepted',
        };
      }
      stack.push({ value: inner, depth: node.depth + 1, parent: node, key });
    }
  }
  return undefined;
}
