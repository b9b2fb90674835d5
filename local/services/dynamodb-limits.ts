import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

/**
 * DynamoDB's documented limits on attribute values, which dynalite does not enforce (it stores a
 * 5e-324 or an item nested 1,500 levels deep, or dies of a stack overflow trying): numbers of at
 * most 38 significant digits, 0 or of magnitude 1E-130 to 9.9999999999999999999999999999999999999E+125,
 * and maps and lists nested at most 32 levels, the top-level attribute (or expression value)
 * counting as level 1. The local DynamoDB refuses what AWS refuses, with AWS's error, so that the
 * tests and the local runtime see the same 5xx that production would.
 */
export const MAX_NESTING_LEVELS = 32;

type AttributeValue = Record<string, unknown>;

/** Why DynamoDB would refuse this number (an `N` string), or undefined. */
export function numberViolation(text: string): string | undefined {
  const match = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!match || (match[1] === '' && (match[2] ?? '') === ''))
    return 'The parameter cannot be converted to a numeric value';
  const integer = match[1] ?? '';
  const digits = integer + (match[2] ?? '');
  const lead = digits.search(/[1-9]/);
  if (lead < 0) return undefined; // zero
  const significant = digits.slice(lead).replace(/0+$/, '');
  if (significant.length > 38) return 'Attempting to store more than 38 significant digits in a Number';
  // Decimal exponent of the leading digit: the value is d.ddd × 10^exponent.
  const exponent = integer.length - 1 - lead + Number(match[3] ?? 0);
  if (exponent > 125)
    return 'Number overflow. Attempting to store a number with magnitude larger than supported range';
  if (exponent < -130)
    return 'Number underflow. Attempting to store a number with magnitude smaller than supported range';
  return undefined;
}

/** The first limit a set of top-level attribute values breaks, or undefined. Iterative. */
export function attributeViolation(values: Record<string, unknown>): string | undefined {
  const stack: [unknown, number][] = Object.values(values).map((v) => [v, 1]);
  while (stack.length > 0) {
    const [value, level] = stack.pop() as [unknown, number];
    if (value === null || typeof value !== 'object') continue;
    if (level > MAX_NESTING_LEVELS) {
      return 'Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit';
    }
    const av = value as AttributeValue;
    if (typeof av.N === 'string') {
      const problem = numberViolation(av.N);
      if (problem) return problem;
    } else if (Array.isArray(av.NS)) {
      for (const n of av.NS) {
        const problem = typeof n === 'string' ? numberViolation(n) : undefined;
        if (problem) return problem;
      }
    } else if (av.M && typeof av.M === 'object') {
      for (const inner of Object.values(av.M as object)) stack.push([inner, level + 1]);
    } else if (Array.isArray(av.L)) {
      for (const inner of av.L) stack.push([inner, level + 1]);
    }
  }
  return undefined;
}

/** The attribute-value maps of a DynamoDB JSON request (PutItem, UpdateItem, BatchWriteItem, …). */
function attributeMapsOf(request: Record<string, unknown>): Record<string, unknown>[] {
  const maps: Record<string, unknown>[] = [];
  const add = (m: unknown) => {
    if (m && typeof m === 'object') maps.push(m as Record<string, unknown>);
  };
  add(request.Item);
  add(request.Key);
  add(request.ExpressionAttributeValues);
  add(request.ExclusiveStartKey);
  if (request.AttributeUpdates && typeof request.AttributeUpdates === 'object') {
    for (const update of Object.values(request.AttributeUpdates as object))
      add({ v: (update as AttributeValue)?.Value });
  }
  if (request.RequestItems && typeof request.RequestItems === 'object') {
    for (const writes of Object.values(request.RequestItems as object)) {
      if (!Array.isArray(writes)) continue;
      for (const w of writes as AttributeValue[]) {
        add((w.PutRequest as AttributeValue | undefined)?.Item);
        add((w.DeleteRequest as AttributeValue | undefined)?.Key);
      }
    }
  }
  return maps;
}

/** The first documented limit a DynamoDB JSON request breaks, or undefined. */
export function requestViolation(request: unknown): string | undefined {
  if (!request || typeof request !== 'object') return undefined;
  for (const map of attributeMapsOf(request as Record<string, unknown>)) {
    const problem = attributeViolation(map);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * Puts the limit check in front of dynalite's request handler: a request that breaks a limit is
 * answered 400 `ValidationException` as AWS answers it, and never reaches dynalite.
 */
export function enforceDynamoDbLimits(server: Server): Server {
  const handlers = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let problem: string | undefined;
      try {
        problem =
          req.method === 'POST' && body.length
            ? requestViolation(JSON.parse(body.toString('utf8')))
            : undefined;
      } catch {
        problem = undefined; // not JSON: dynalite answers it
      }
      if (problem) {
        const text = JSON.stringify({
          __type: 'com.amazon.coral.validate#ValidationException',
          message: problem,
        });
        res.writeHead(400, {
          'Content-Type': 'application/x-amz-json-1.0',
          'Content-Length': Buffer.byteLength(text),
        });
        res.end(text);
        return;
      }
      // Hand dynalite the same request with its body, as a fresh stream.
      const replay = Object.assign(Readable.from(body.length ? [body] : []), {
        headers: req.headers,
        method: req.method,
        url: req.url,
        socket: req.socket,
        connection: req.socket,
      });
      for (const handler of handlers) handler(replay as unknown as IncomingMessage, res);
    });
  });
  return server;
}
