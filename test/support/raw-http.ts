import { Agent, request } from 'node:http';
import { connect, createServer } from 'node:net';
import { mapBounded } from '../../shared/domain/concurrency';

/** One HTTP exchange, sent byte for byte as given: header lines may repeat, paths are not normalized. */
export interface RawRequest {
  method: string;
  /** Sent as is: bad percent-encoding stays bad. */
  path: string;
  /** Header lines in order; a name may appear more than once. */
  headers: readonly (readonly [string, string])[];
  body?: Buffer;
  /** Local address to send from (another loopback address plays another client). */
  from?: string;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  json: unknown;
}

/**
 * A client for hostile requests: node:http with header lines as an array (so duplicates reach the
 * server as separate lines) over a keep-alive agent with a fixed number of connections.
 */
export function rawClient(baseUrl: string, options: { connections: number; timeoutMs?: number }) {
  const { hostname, port } = new URL(baseUrl);
  const agents = new Map<string, Agent>();
  const agentFor = (from = '') => {
    let agent = agents.get(from);
    if (!agent) {
      agent = new Agent({ keepAlive: true, maxSockets: options.connections });
      agents.set(from, agent);
    }
    return agent;
  };
  const send = (req: RawRequest): Promise<RawResponse> =>
    new Promise((resolve, reject) => {
      // With header lines given as an array node adds no Host line; HTTP/1.1 servers require one.
      const flat: string[] = ['Host', `${hostname}:${port}`];
      for (const [name, value] of req.headers) flat.push(name, value);
      const framed = req.headers.some(([n]) =>
        ['content-length', 'transfer-encoding'].includes(n.toLowerCase()),
      );
      if (req.body !== undefined && !framed) flat.push('Content-Length', String(req.body.length));
      const outgoing = request(
        {
          agent: agentFor(req.from),
          hostname,
          port: Number(port),
          method: req.method,
          path: req.path,
          headers: flat,
          ...(req.from ? { localAddress: req.from } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = text ? JSON.parse(text) : undefined;
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
          });
        },
      );
      outgoing.setTimeout(options.timeoutMs ?? 30_000, () =>
        outgoing.destroy(new Error(`no answer within ${options.timeoutMs ?? 30_000} ms`)),
      );
      outgoing.on('error', reject);
      outgoing.end(req.body);
    });
  return {
    send,
    close: () => {
      for (const agent of agents.values()) agent.destroy();
    },
  };
}

/** Runs `work` over `items` with at most `concurrency` in flight, in order of the items (mapBounded). */
export async function inPool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  await mapBounded(items, concurrency, work);
}

/** Whether this machine can send from `address` to 127.0.0.1 (Linux: all of 127.0.0.0/8 is loopback). */
export async function canSendFrom(address: string): Promise<boolean> {
  const server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  try {
    return await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, localAddress: address }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
  } finally {
    server.close();
  }
}
