import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeScm } from '../../local/fake-scm/server';
import { startSqs } from '../../local/services/sqs';
import { root, runScript } from '../support/cli';
import { dynamoOnLoopback } from '../support/dynamo';

/** The operations CLIs against real protocol stand-ins on loopback. */

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('npm run scm:fake', () => {
  it('listens on SCM_FAKE_PORT', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/cli/fake-scm.ts'], {
      cwd: root,
      env: { ...process.env, SCM_FAKE_PORT: String(port), PORT: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let stdout = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          stdout += c.toString();
          if (stdout.includes('listing')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
      });
      expect(stdout).toContain(`http://127.0.0.1:${port}/webhooks`);
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(await health.json()).toEqual({ ok: true });
    } finally {
      child.kill('SIGTERM');
    }
  });
});

describe('POST /_control of the fake SCM', () => {
  let scm: Awaited<ReturnType<typeof startFakeScm>>;
  beforeAll(async () => {
    scm = await startFakeScm({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
  });
  afterAll(async () => {
    await scm.close();
  });
  const control = (body: string) =>
    fetch(`${scm.url}/_control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it.each([
    ['{"foo":1}', 'foo'],
    ['{"failWith":"bogus"}', 'failWith'],
    ['{"failNext":-1}', 'failNext'],
    ['{"failNext":2.5}', 'failNext'],
    ['{"answer":"200"}', 'answer'],
    ['{"answer":99}', 'answer'],
    ['{"downForSeconds":"long"}', 'downForSeconds'],
    ['{"reset":"yes"}', 'reset'],
    ['[1]', '(body)'],
    ['{"failNext":', '(body)'],
  ])('refuses %s with 400 naming %s, and changes nothing', async (body, field) => {
    const before = scm.behaviour();
    const res = await control(body);
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { error: string; field: string };
    expect(answer.field).toBe(field);
    expect(answer.error).toMatch(new RegExp(`^${field.replace(/[()]/g, '\\$&')}: `));
    expect(scm.behaviour()).toEqual(before);
  });

  it('accepts a valid change and answers the behaviour', async () => {
    const res = await control('{"failNext":2,"failWith":"timeout","retryAfter":30}');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ failNext: 2, failWith: 'timeout', retryAfter: 30, answer: 200 });
    expect((await control('{"reset":true}')).status).toBe(200);
    expect(scm.behaviour()).toEqual({ failNext: 0, failWith: 500, answer: 200 });
  });
});

describe('npm run dlq:redrive', () => {
  let sqsServer: Awaited<ReturnType<typeof startSqs>>;
  beforeAll(async () => {
    sqsServer = await startSqs();
    const sqs = new SQSClient({
      endpoint: sqsServer.endpoint,
      region: 'eu-north-1',
      credentials: { accessKeyId: 't', secretAccessKey: 't' },
    });
    for (const name of ['UrgentShipments', 'UrgentShipments-dlq', 'CallbackDeadLetters'])
      await sqs.send(new CreateQueueCommand({ QueueName: name }));
    sqs.destroy();
  });
  afterAll(async () => {
    await sqsServer.close();
  });

  it.each([
    [['--queue', 'NOPE-dlq'], '--queue: no queue named NOPE-dlq'],
    [['--queue', 'UrgentShipments-dlq', '--to', 'Urgent'], '--to: no queue named Urgent'],
  ])('%j names the queues that exist, exit 2', async (args, message) => {
    const result = await runScript('local/cli/dlq-redrive.ts', [
      ...args,
      '--endpoint',
      sqsServer.endpoint,
      '--dry-run',
    ]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      `npm run dlq:redrive --: ${message}; the queues are: CallbackDeadLetters, UrgentShipments, UrgentShipments-dlq (--help for usage)`,
    ]);
  });
});

describe('npm run replay', () => {
  let dynamo: Awaited<ReturnType<typeof dynamoOnLoopback>>;
  let dataDir: string;
  beforeAll(async () => {
    dynamo = await dynamoOnLoopback();
    dataDir = mkdtempSync(join(tmpdir(), 'replay-cli-'));
    writeFileSync(
      join(dataDir, 'runtime.json'),
      JSON.stringify({
        endpoints: {
          dynamodb: dynamo.endpoint,
          sqs: 'http://127.0.0.1:9',
          eventbridge: 'http://127.0.0.1:9',
        },
      }),
    );
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it.each([
    [['--shipment', 'SHP-NOPE'], '--shipment: no shipment SHP-NOPE in local'],
    [['--region', 'nowhere'], '--region: no shipment in region nowhere in local'],
  ])('%j says nothing matched, exit 2', async (args, message) => {
    const result = await runScript('local/cli/replay.ts', [...args, '--data-dir', dataDir]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toEqual([`npm run replay --: ${message} (--help for usage)`]);
  });
});
