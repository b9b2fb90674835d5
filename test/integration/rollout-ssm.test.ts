import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SsmLiveShare } from '../../shared/adapters/rollout/ssm-live-share';
import { DependencyError } from '../../shared/domain/errors';

/**
 * The AWS adapter of the live share: Powertools Parameters over the real SSM JSON protocol,
 * against a loopback stand-in of GetParameter. Date is faked so Powertools' cache (maxAge) runs on
 * a virtual clock.
 */
let server: Server;
let client: SSMClient;
let stored: Record<string, string>;
const requests: { target: string; name: string }[] = [];

beforeEach(async () => {
  stored = { '/scm-route-optimizer/callbacks/live-share': '0.1' };
  requests.length = 0;
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const target = String(req.headers['x-amz-target']);
      const { Name } = JSON.parse(body) as { Name: string };
      requests.push({ target, name: Name });
      const value = stored[Name];
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (target !== 'AmazonSSM.GetParameter' || value === undefined) {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'ParameterNotFound', message: `${Name} not found` }));
        return;
      }
      res.end(JSON.stringify({ Parameter: { Name, Type: 'String', Value: value, Version: 1 } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  client = new SSMClient({
    region: 'eu-north-1',
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  vi.useFakeTimers({ toFake: ['Date'], now: Date.parse('2026-11-26T08:00:00Z') });
});
afterEach(async () => {
  vi.useRealTimers();
  client.destroy();
  await new Promise((r) => server.close(r));
});

describe('live share from SSM Parameter Store (Powertools Parameters)', () => {
  it('reads the parameter once per 60 s: a put-parameter is seen after the cache time, without a restart', async () => {
    const share = new SsmLiveShare(client, '/scm-route-optimizer/callbacks/live-share', 60);
    expect(await share.liveShare()).toBe(0.1);
    stored['/scm-route-optimizer/callbacks/live-share'] = '0.5';
    vi.setSystemTime(Date.now() + 59_000);
    expect(await share.liveShare()).toBe(0.1);
    expect(requests).toEqual([
      { target: 'AmazonSSM.GetParameter', name: '/scm-route-optimizer/callbacks/live-share' },
    ]);
    vi.setSystemTime(Date.now() + 2_000);
    expect(await share.liveShare()).toBe(0.5);
    expect(requests).toHaveLength(2);
  });

  it('a missing parameter or a value that is not a share is a DependencyError (the task is retried)', async () => {
    await expect(new SsmLiveShare(client, '/nope', 60).liveShare()).rejects.toBeInstanceOf(DependencyError);
    stored['/bad'] = '50%';
    await expect(new SsmLiveShare(client, '/bad', 60).liveShare()).rejects.toThrow(/is not a share/);
  });
});
