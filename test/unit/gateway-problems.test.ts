import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEndpoint } from '../../functions/api/endpoints';
import { createGateway } from '../../local/gateway';
import { opsPages } from '../../local/ops/page';
import { PROBLEM_BASE } from '../../shared/runtime/http/problem';

/** Issue 8.14: the local gateway's own errors have the shape of the functions' problems. */
const endpoint: ApiEndpoint = {
  id: 'GetShipment',
  method: 'GET',
  resource: '/v1/shipments/{shipmentId}',
  entry: 'unused.ts',
  handler: 'handler',
  access: 'read',
  apiKey: true,
};
const failing: ApiEndpoint = { ...endpoint, id: 'Failing', resource: '/v1/failing', method: 'POST' };

let url: string;
let server: ReturnType<typeof createGateway>;

beforeAll(async () => {
  server = createGateway({
    endpoints: [endpoint, failing],
    apiKey: 'local_key',
    throttle: { rateLimit: 1, burstLimit: 1 },
    authFailureThrottle: { rateLimit: 1, burstLimit: 2 },
    nowMs: () => 0,
    resolve: async (r) => {
      if (r.id === 'Failing') throw new Error('cannot load the function');
      return async () => ({ statusCode: 200, body: '{}' });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

async function expectProblem(
  response: Response,
  status: number,
  code: string,
  path: string,
  correlationId?: string,
) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({
    type: `${PROBLEM_BASE}${code}`,
    status,
    title: expect.any(String),
    detail: expect.any(String),
    instance: path,
    correlationId: correlationId ?? expect.stringMatching(/^[0-9a-f-]{36}$/),
  });
  expect(response.headers.get('x-correlation-id')).toBe(body.correlationId);
  return body;
}

describe('problems of the local gateway', () => {
  it('404 unknown path, 405 wrong method, with the caller correlation id when it sent one', async () => {
    await expectProblem(await fetch(`${url}/v2/nothing`), 404, 'not-found', '/v2/nothing');
    await expectProblem(
      await fetch(`${url}/v1/shipments/S-1`, {
        method: 'DELETE',
        headers: { 'X-Correlation-Id': 'corr-405' },
      }),
      405,
      'method-not-allowed',
      '/v1/shipments/S-1',
      'corr-405',
    );
  });

  it('401 without a key, 403 with a wrong one, 429 for the usage plan and for failed checks (with Retry-After)', async () => {
    const right = { headers: { 'x-api-key': 'local_key' } };
    expect((await fetch(`${url}/v1/shipments/S-1`, right)).status).toBe(200);
    const overPlan = await fetch(`${url}/v1/shipments/S-1`, right);
    expect(overPlan.headers.get('retry-after')).toBe('1');
    await expectProblem(overPlan, 429, 'throttled', '/v1/shipments/S-1');
    await expectProblem(await fetch(`${url}/v1/shipments/S-1`), 401, 'unauthorized', '/v1/shipments/S-1');
    await expectProblem(
      await fetch(`${url}/v1/shipments/S-1`, { headers: { 'x-api-key': 'local_wrong' } }),
      403,
      'forbidden',
      '/v1/shipments/S-1',
    );
    const locked = await fetch(`${url}/v1/shipments/S-1`, { headers: { 'x-api-key': 'local_wrong' } });
    expect(locked.headers.get('retry-after')).toBe('1');
    await expectProblem(locked, 429, 'throttled', '/v1/shipments/S-1');
  });

  it('413 above 10 MB and 500 when the function cannot be invoked', async () => {
    const big = await fetch(`${url}/v1/failing`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Correlation-Id': 'corr-413' },
      body: 'x'.repeat(10 * 1024 * 1024 + 1),
    });
    await expectProblem(big, 413, 'payload-too-large', '/v1/failing', 'corr-413');
    // A function that cannot be loaded: 500, its message only in the log.
    const other = createGateway({
      endpoints: [failing],
      apiKey: 'local_key',
      resolve: async () => {
        throw new Error('cannot load the function');
      },
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    try {
      const failed = await fetch(`http://127.0.0.1:${(other.address() as AddressInfo).port}/v1/failing`, {
        method: 'POST',
        headers: { 'x-api-key': 'local_key' },
      });
      const body = await expectProblem(failed, 500, 'internal-error', '/v1/failing');
      expect(body.detail).not.toContain('cannot load');
    } finally {
      other.closeAllConnections();
      await new Promise<void>((r) => other.close(() => r()));
    }
  });
});

describe('request targets that are no URL', () => {
  /** Sends a raw request line, as a hostile client can (fetch would normalise the target). */
  const rawTarget = (target: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(url).port), '127.0.0.1', () =>
        socket.end(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
      );
      let text = '';
      socket.on('data', (d) => (text += d));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });

  it('answers them with a problem and keeps serving', async () => {
    for (const target of ['//', '///', '/\\', '//a:b@', '//[', 'http://[::1', '*', '//x/v1/shipments/S-1']) {
      const response = await rawTarget(target);
      const status = Number(response.split(' ')[1]);
      expect(status, target).toBeGreaterThanOrEqual(400);
      expect(status, target).toBeLessThan(500);
      expect(response, target).toContain('application/problem+json');
    }
    // Still serving (this gateway's usage plan is spent by now: a 429 is an answer too).
    const alive = await fetch(`${url}/v1/shipments/S-1`, { headers: { 'x-api-key': 'local_key' } });
    expect([200, 429]).toContain(alive.status);
  });
});

describe('problems of the ops page', () => {
  const ops = opsPages({ apiKey: 'local_key', figures: async () => ({}) as never });
  const ask = async (method: string, path: string, headers: Record<string, string> = {}) => {
    const answer = await ops(
      { method, headers } as unknown as IncomingMessage,
      new URL(`http://localhost${path}`),
    );
    if (!answer) throw new Error(`no answer for ${path}`);
    return answer;
  };
  it('401, 403, 404 and 405 in the shape of every other problem', async () => {
    for (const [answer, status, code, path] of [
      [await ask('GET', '/ops/figures.json'), 401, 'unauthorized', '/ops/figures.json'],
      [
        await ask('GET', '/ops/figures.json', { 'x-api-key': 'local_wrong' }),
        403,
        'forbidden',
        '/ops/figures.json',
      ],
      [
        await ask('GET', '/ops/nothing', { 'x-correlation-id': 'corr-ops' }),
        404,
        'not-found',
        '/ops/nothing',
      ],
      [await ask('POST', '/ops'), 405, 'method-not-allowed', '/ops'],
    ] as const) {
      expect(answer.statusCode).toBe(status);
      expect(answer.headers?.['Content-Type']).toBe('application/problem+json');
      const body = JSON.parse(answer.body) as Record<string, unknown>;
      expect(body).toMatchObject({ type: `${PROBLEM_BASE}${code}`, status, instance: path });
      expect(answer.headers?.['X-Correlation-Id']).toBe(body.correlationId);
    }
    expect(
      JSON.parse((await ask('GET', '/ops/nothing', { 'x-correlation-id': 'corr-ops' })).body).correlationId,
    ).toBe('corr-ops');
  });
});
