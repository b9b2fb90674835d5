import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../../shared/adapters/webhooks/http-sender';
import { parseSecrets, signatureHeader } from '../../../shared/adapters/webhooks/signature';
import {
  afterAnswer,
  BreakerMemory,
  type BreakerState,
  closedBreaker,
  DEFAULT_BREAKER,
  decidePermit,
} from '../../../shared/domain/callbacks/breaker';
import { classifyAnswer, MAX_ATTEMPTS, nextWaitSeconds } from '../../../shared/domain/callbacks/schedule';
import { ConfigurationError } from '../../../shared/domain/errors';

describe('answer classes (contract §4)', () => {
  it.each([
    [200, 'applied'],
    [204, 'applied'],
    [409, 'stale'],
    [410, 'gone'],
    [400, 'rejected'],
    [401, 'rejected'],
    [404, 'rejected'],
    [422, 'rejected'],
    [408, 'retryable'],
    [429, 'retryable'],
    [500, 'retryable'],
    [503, 'retryable'],
  ])('%i is %s', (status, expected) => {
    expect(classifyAnswer({ kind: 'answered', status }).class).toBe(expected);
  });
  it('timeouts and network errors are retryable and count against the breaker', () => {
    expect(classifyAnswer({ kind: 'timeout' })).toMatchObject({ class: 'retryable', healthy: false });
    expect(classifyAnswer({ kind: 'network', message: 'ECONNREFUSED' })).toMatchObject({
      class: 'retryable',
      healthy: false,
    });
  });
  it('only retryable answers count as endpoint failures', () => {
    expect(classifyAnswer({ kind: 'answered', status: 400 }).healthy).toBe(true);
    expect(classifyAnswer({ kind: 'answered', status: 409 }).healthy).toBe(true);
    expect(classifyAnswer({ kind: 'answered', status: 502 }).healthy).toBe(false);
  });
});

describe('retry schedule', () => {
  it('waits 30, 60, 120, 300 s after attempts 1-4 and stops after 5', () => {
    expect([1, 2, 3, 4, 5].map((n) => nextWaitSeconds(n))).toEqual([30, 60, 120, 300, undefined]);
    expect(MAX_ATTEMPTS).toBe(5);
  });
  it('honours a longer Retry-After, capped at 900 s, and ignores a shorter one', () => {
    expect(nextWaitSeconds(1, 45)).toBe(45);
    expect(nextWaitSeconds(4, 301)).toBe(301);
    expect(nextWaitSeconds(1, 10_000)).toBe(900);
    expect(nextWaitSeconds(2, 10)).toBe(60);
    expect(nextWaitSeconds(5, 10)).toBeUndefined();
  });
  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-26T08:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter('Thu, 26 Nov 2026 08:05:00 GMT', now)).toBe(300);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('circuit breaker transitions', () => {
  const cfg = DEFAULT_BREAKER;
  const fail = (s: BreakerState, now = 0, id = 'a') => afterAnswer(s, now, id, false, cfg).next ?? s;

  it('opens after 5 consecutive failures; a success in between resets the count', () => {
    let s = closedBreaker('e');
    for (let i = 0; i < 4; i++) s = fail(s);
    expect(s).toMatchObject({ state: 'closed', consecutiveFailures: 4 });
    s = afterAnswer(s, 0, 'a', true, cfg).next ?? s;
    expect(s.consecutiveFailures).toBe(0);
    for (let i = 0; i < 4; i++) s = fail(s);
    const opened = afterAnswer(s, 1000, 'a', false, cfg);
    expect(opened).toMatchObject({ event: 'opened', next: { state: 'open', reopenAt: 61_000 } });
  });

  it('while open: holds until reopenAt and counts nothing; then exactly one probe', () => {
    const open: BreakerState = {
      endpoint: 'e',
      state: 'open',
      consecutiveFailures: 5,
      reopenAt: 60_000,
      rev: 7,
    };
    expect(decidePermit(open, 59_999, 'x', cfg)).toEqual({ kind: 'hold', until: 60_000 });
    expect(afterAnswer(open, 59_999, 'x', false, cfg)).toEqual({});
    const probe = decidePermit(open, 60_000, 'x', cfg);
    expect(probe).toMatchObject({ kind: 'probe', next: { state: 'half_open', probeId: 'x', rev: 8 } });
    const half = (probe as { next: BreakerState }).next;
    expect(decidePermit(half, 60_001, 'y', cfg)).toEqual({ kind: 'hold', until: 60_000 + cfg.probeLeaseMs });
    expect(decidePermit(half, 60_001, 'x', cfg)).toEqual({ kind: 'probe' });
    expect(decidePermit(half, 60_000 + cfg.probeLeaseMs, 'y', cfg)).toMatchObject({
      kind: 'probe',
      next: { probeId: 'y' },
    });
    expect(afterAnswer(half, 60_010, 'x', true, cfg)).toMatchObject({
      event: 'closed',
      next: { state: 'closed' },
    });
    expect(afterAnswer(half, 60_010, 'x', false, cfg)).toMatchObject({
      event: 'opened',
      next: { reopenAt: 120_010 },
    });
    expect(afterAnswer(half, 60_010, 'y', false, cfg)).toEqual({});
  });

  it('BreakerMemory holds until the remembered time and runs one decision at a time per endpoint', async () => {
    const memory = new BreakerMemory();
    memory.remember('e', 100);
    expect(memory.heldUntil('e', 99)).toBe(100);
    expect(memory.heldUntil('e', 100)).toBeUndefined();
    const order: string[] = [];
    const slow = memory.exclusive('e', async () => {
      await new Promise((r) => setTimeout(r, 10));
      order.push('first');
    });
    const fast = memory.exclusive('e', async () => {
      order.push('second');
    });
    await Promise.all([slow, fast]);
    expect(order).toEqual(['first', 'second']);
  });
});

describe('signature header', () => {
  it('signs with every active secret (rotation), each an HMAC-SHA256 of "{id}.{ts}.{body}"', () => {
    const secrets = parseSecrets('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw whsec_dGVzdHNlY3JldA==');
    const ts = new Date(1_700_000_000_000);
    const header = signatureHeader(secrets, 'msg_1', ts, '{"a":1}');
    const expected = secrets.map(
      (s) =>
        `v1,${createHmac('sha256', Buffer.from(s.slice(6), 'base64'))
          .update('msg_1.1700000000.{"a":1}')
          .digest('base64')}`,
    );
    expect(header.split(' ')).toEqual(expected);
    expect(parseSecrets('{"current":"whsec_a2V5","previous":"whsec_b2xk"}')).toEqual([
      'whsec_a2V5',
      'whsec_b2xk',
    ]);
  });

  it('a secret value that is empty or broken JSON is a configuration error that does not quote the secret', () => {
    expect(() => parseSecrets('  ')).toThrow(ConfigurationError);
    const broken = '{"current":"whsec_c2VjcmV0IHNlY3JldA=="';
    let thrown: unknown;
    try {
      parseSecrets(broken);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    const text = `${(thrown as Error).message} ${String((thrown as Error).cause ?? '')}`;
    expect(text).not.toContain('c2VjcmV0');
  });
});

describe('redrive execution names', () => {
  it('are unique, at most 80 characters of [A-Za-z0-9_-]', async () => {
    const { redriveExecutionName } = await import('../../../functions/ops/redrive');
    const id = `msg_${'0123456789abcdef'.repeat(5)}`;
    const a = redriveExecutionName(id);
    const b = redriveExecutionName(id);
    expect(a).not.toBe(b);
    for (const name of [a, b]) expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });
});

describe('redriveCallbacks', () => {
  it('restarts callback dead letters and route.optimized events the bus could not deliver; leaves the rest', async () => {
    const { redriveCallbacks } = await import('../../../shared/domain/callbacks/redrive');
    const letter = {
      kind: 'callback',
      webhookId: 'msg_1',
      shipmentId: 'SHP-1',
      version: 1,
      correlationId: 'c',
      endpoint: 'https://scm.invalid/h',
      body: '{}',
      attempts: 5,
      reason: 'r',
      failedAt: '2026-11-26T08:00:00Z',
    };
    const envelope = {
      version: '0',
      id: 'e',
      'detail-type': 'route.optimized',
      source: 'scm.route-optimizer',
      time: '2026-11-26T08:00:00Z',
      detail: {
        eventId: 'evt-2',
        shipmentId: 'SHP-2',
        version: 1,
        correlationId: 'c2',
        region: 'eu-north',
        priority: 'STANDARD',
        routeId: 'R',
        vehicleId: 'V',
        sequence: 1,
        stops: 1,
        eta: '2026-11-26T09:00:00Z',
        batchId: 'B',
        optimizedAt: '2026-11-26T08:00:00Z',
      },
    };
    const queue = [
      { body: JSON.stringify(letter), receipt: 'r1' },
      { body: JSON.stringify(envelope), receipt: 'r2' },
      { body: 'not json', receipt: 'r3' },
    ];
    const deleted: string[] = [];
    const released: string[] = [];
    const started: unknown[] = [];
    const source = {
      receive: async (max: number) => queue.splice(0, max),
      delete: async (r: string) => {
        deleted.push(r);
      },
      release: async (r: string) => {
        released.push(r);
      },
    };
    const starter = {
      start: async (input: unknown, name: string) => {
        started.push(input);
        return name;
      },
    };
    const silent = { info: () => {}, warn: () => {}, error: () => {} };
    const report = await redriveCallbacks(
      { source, starter, logger: silent },
      { executionName: (id) => `x-${id}` },
    );
    expect(report.redriven.map((r) => r.webhookId)).toEqual(['msg_1', 'msg_evt-2']);
    expect(report.unreadable).toBe(1);
    expect(started).toEqual([{ redrive: letter }, envelope]);
    expect(deleted).toEqual(['r1', 'r2']);
    expect(released).toEqual(['r3']);
  });
});
