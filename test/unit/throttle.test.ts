import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { ApiEndpoint } from '../../functions/api/endpoints';
import { createGateway } from '../../local/gateway';
import { AUTH_FAILURE_THROTTLE, KeyedThrottle, TokenBucket } from '../../shared/domain/throttle';

describe('TokenBucket', () => {
  it('lets a burst through, then the steady rate, and says when the next token comes', () => {
    let now = 0;
    const bucket = new TokenBucket({ rateLimit: 10, burstLimit: 3 }, () => now);
    expect([bucket.take(), bucket.take(), bucket.take()].every((r) => r.allowed)).toBe(true);
    expect(bucket.take()).toEqual({ allowed: false, retryAfterMs: 100 });
    now = 50;
    expect(bucket.take()).toEqual({ allowed: false, retryAfterMs: 50 });
    now = 100;
    expect(bucket.take().allowed).toBe(true);
    expect(bucket.take().allowed).toBe(false);
    // A long pause refills to the burst, never above it.
    now = 60_000;
    expect([1, 2, 3].map(() => bucket.take().allowed)).toEqual([true, true, true]);
    expect(bucket.take().allowed).toBe(false);
  });

  it('throttles each key on its own', () => {
    const throttle = new KeyedThrottle({ rateLimit: 1, burstLimit: 1 }, () => 0);
    expect(throttle.take('a').allowed).toBe(true);
    expect(throttle.take('a').allowed).toBe(false);
    expect(throttle.take('b').allowed).toBe(true);
  });

  it('refuses limits that would throttle everything', () => {
    expect(() => new TokenBucket({ rateLimit: 0, burstLimit: 1 }, () => 0)).toThrow(RangeError);
    expect(() => new TokenBucket({ rateLimit: 1, burstLimit: 0 }, () => 0)).toThrow(RangeError);
  });
});

describe('local gateway throttle (the usage plan of the CDK stack)', () => {
  it('answers 429 problem+json with Retry-After above the burst, without invoking the function', async () => {
    let invoked = 0;
    const endpoint: ApiEndpoint = {
      id: 'GetShipment',
      method: 'GET',
      resource: '/v1/shipments/{shipmentId}',
      entry: 'unused.ts',
      handler: 'handler',
      access: 'read',
      apiKey: true,
    };
    const server = createGateway({
      endpoints: [endpoint],
      apiKey: 'k',
      throttle: { rateLimit: 2, burstLimit: 2 },
      nowMs: () => 0,
      resolve: async () => async () => {
        invoked++;
        return { statusCode: 200, body: '{}' };
      },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/shipments/S-1`;
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(url, { headers: { 'x-api-key': 'k' } })).status);
      expect(statuses).toEqual([200, 200, 429]);
      const throttled = await fetch(url, { headers: { 'x-api-key': 'k' } });
      expect(throttled.status).toBe(429);
      expect(throttled.headers.get('content-type')).toBe('application/problem+json');
      expect(throttled.headers.get('retry-after')).toBe('1');
      expect(await throttled.json()).toMatchObject({ status: 429, title: 'Too Many Requests' });
      expect(invoked).toBe(2);
      // A wrong key is refused before it can spend the plan's tokens.
      expect((await fetch(url, { headers: { 'x-api-key': 'other' } })).status).toBe(403);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('local gateway: failed API-key checks per client address (issue 8.10)', () => {
  const endpoint: ApiEndpoint = {
    id: 'GetShipment',
    method: 'GET',
    resource: '/v1/shipments/{shipmentId}',
    entry: 'unused.ts',
    handler: 'handler',
    access: 'read',
    apiKey: true,
  };
  /** GET from a chosen loopback address (Linux routes all of 127/8 to lo). */
  const getFrom = (url: string, localAddress: string, key?: string) =>
    new Promise<{ status: number; retryAfter?: string; contentType?: string; body: string }>(
      (resolve, reject) => {
        const req = request(url, { localAddress, headers: key ? { 'x-api-key': key } : {} }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              retryAfter: res.headers['retry-after'] as string | undefined,
              contentType: res.headers['content-type'],
              body,
            }),
          );
        });
        req.on('error', reject);
        req.end();
      },
    );

  it('answers 429 with Retry-After to every request of an address over its failure budget, until it refills', async () => {
    let now = 0;
    const server = createGateway({
      endpoints: [endpoint],
      apiKey: 'local_right',
      authFailureThrottle: { rateLimit: 1, burstLimit: 3 },
      nowMs: () => now,
      resolve: async () => async () => ({ statusCode: 200, body: '{}' }),
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/shipments/S-1`;
    try {
      const guesses = [];
      for (const key of ['local_a', undefined, 'local_b', 'local_c', 'local_d'])
        guesses.push((await getFrom(url, '127.0.0.1', key)).status);
      expect(guesses).toEqual([403, 401, 403, 429, 429]);
      // Locked out: the right key too, so a throttled guess says nothing about the key.
      const locked = await getFrom(url, '127.0.0.1', 'local_right');
      expect(locked.status).toBe(429);
      expect(locked.retryAfter).toBe('1');
      expect(locked.contentType).toBe('application/problem+json');
      expect(JSON.parse(locked.body)).toMatchObject({ status: 429, title: 'Too Many Requests' });
      // Another address is not affected.
      expect((await getFrom(url, '127.0.0.2', 'local_wrong')).status).toBe(403);
      expect((await getFrom(url, '127.0.0.2', 'local_right')).status).toBe(200);
      // A second later one token is back: the right key passes and does not spend it.
      now = 1000;
      expect((await getFrom(url, '127.0.0.1', 'local_right')).status).toBe(200);
      expect((await getFrom(url, '127.0.0.1', 'local_right')).status).toBe(200);
      expect((await getFrom(url, '127.0.0.1', 'local_e')).status).toBe(403);
      expect((await getFrom(url, '127.0.0.1', 'local_f')).status).toBe(429);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('by default lets far fewer than 4,000 wrong keys a second through to a 403', async () => {
    const server = createGateway({
      endpoints: [endpoint],
      apiKey: 'local_right',
      nowMs: () => 0,
      resolve: async () => async () => ({ statusCode: 200, body: '{}' }),
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/shipments/S-1`;
    try {
      const statuses = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          getFrom(url, '127.0.0.1', `local_guess-${i}`).then((r) => r.status),
        ),
      );
      expect(statuses.filter((s) => s === 403)).toHaveLength(AUTH_FAILURE_THROTTLE.burstLimit);
      expect(statuses.filter((s) => s === 429)).toHaveLength(200 - AUTH_FAILURE_THROTTLE.burstLimit);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('counts keys refused by a page (the ops page) and locks pages too, but never /health', async () => {
    const health: ApiEndpoint = {
      ...endpoint,
      id: 'Health',
      resource: '/health',
      apiKey: false,
      access: 'none',
    };
    const server = createGateway({
      endpoints: [endpoint, health],
      apiKey: 'local_right',
      authFailureThrottle: { rateLimit: 1, burstLimit: 2 },
      nowMs: () => 0,
      resolve: async () => async () => ({ statusCode: 200, body: '{}' }),
      pages: async (req, url) => {
        if (!url.pathname.startsWith('/ops')) return undefined;
        const ok = req.headers['x-api-key'] === 'local_right';
        return { statusCode: ok ? 200 : 403, body: ok ? 'ops' : 'no' };
      },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const statuses = [];
      for (const key of ['local_a', 'local_b', 'local_right'])
        statuses.push((await getFrom(`${base}/ops`, '127.0.0.1', key)).status);
      expect(statuses).toEqual([403, 403, 429]);
      expect((await getFrom(`${base}/v1/shipments/S-1`, '127.0.0.1', 'local_right')).status).toBe(429);
      expect((await getFrom(`${base}/health`, '127.0.0.1')).status).toBe(200);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
