import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SFNClient } from '@aws-sdk/client-sfn';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLocalStepFunctions } from '../../../local/services/step-functions';
import { SqsMessageSource } from '../../../shared/adapters/sqs/callback-dead-letters';
import { StepFunctionsDeliveryStarter } from '../../../shared/adapters/stepfunctions/delivery-starter';
import { redriveCallbacks } from '../../../shared/domain/callbacks/redrive';
import { type Harness, startHarness } from './harness';

let h: Harness;
let sfn: Awaited<ReturnType<typeof startLocalStepFunctions>>;
beforeEach(async () => {
  h = await startHarness();
  sfn = await startLocalStepFunctions({ machines: [h.machine] });
});
afterEach(async () => {
  await sfn.close();
  await h.close();
});

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function failOne(id: string) {
  h.scm.control({ answer: 400 });
  const envelope = await h.optimizedShipment(id);
  h.machine.start(envelope);
  await h.runToEnd();
  h.scm.control({ answer: 200 });
  return `msg_${(envelope.detail as { eventId: string }).eventId}`;
}

describe('redrive from the callback DLQ', () => {
  it('restarts the delivery with the original webhook-id and body (StartExecution through the SDK)', async () => {
    const webhookId = await failOne('SHP-1');
    expect((await h.shipment('SHP-1'))?.status).toBe('CALLBACK_FAILED');
    const deps = {
      source: new SqsMessageSource(h.sqs, h.dlqUrl, 30),
      starter: new StepFunctionsDeliveryStarter(
        new SFNClient({
          endpoint: sfn.endpoint,
          region: 'eu-north-1',
          credentials: { accessKeyId: 't', secretAccessKey: 't' },
        }),
        h.machine.arn,
      ),
      logger: silent,
    };
    const dry = await redriveCallbacks(deps, { dryRun: true, executionName: (id) => `dry-${id}` });
    expect(dry.redriven.map((r) => r.webhookId)).toEqual([webhookId]);
    expect(h.machine.stats().running).toBe(0);

    const report = await redriveCallbacks(deps, { executionName: (id) => `redrive-1-${id}` });
    expect(report.redriven.map((r) => r.webhookId)).toEqual([webhookId]);
    await h.runToEnd();
    const received = h.scm.received();
    expect(received.map((r) => r.webhookId)).toEqual([webhookId, webhookId]);
    expect(received[1]?.body).toBe(received[0]?.body);
    expect(received[1]).toMatchObject({ verified: true, answer: 200 });
    expect(await h.drainDlq()).toEqual([]);
    expect(await h.deps.callbacks.get(webhookId)).toMatchObject({
      status: 'COMPLETED',
      outcome: 'applied',
      deliveries: 2,
    });
    expect((await h.trail('SHP-1')).slice(-3)).toEqual([
      'shipment.callback_failed:CALLBACK_FAILED',
      'shipment.callback_pending:CALLBACK_PENDING',
      'shipment.route_applied:ROUTE_APPLIED',
    ]);
  });

  it('npm run dlq:redrive -- --queue CallbackDeadLetters [--dry-run] [--max N] works against the local queues', async () => {
    const first = await failOne('SHP-1');
    const second = await failOne('SHP-2');
    const dataDir = mkdtempSync(join(tmpdir(), 'redrive-'));
    writeFileSync(
      join(dataDir, 'callbacks.json'),
      JSON.stringify({
        sqsEndpoint: h.sqsEndpoint,
        stepFunctionsEndpoint: sfn.endpoint,
        stateMachineArn: h.machine.arn,
        deadLetterQueue: { name: 'CallbackDeadLetters', url: h.dlqUrl },
      }),
    );
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, [
        '--import',
        'tsx',
        'local/cli/dlq-redrive.ts',
        '--data-dir',
        dataDir,
        ...args,
      ]);
    const dry = await cli('--queue', 'CallbackDeadLetters', '--dry-run');
    expect(dry.stdout).toMatch(/2 callback\(s\) would be redriven/);
    const one = await cli('--queue', 'CallbackDeadLetters', '--max', '1');
    expect(one.stdout).toMatch(/1 callback\(s\) redriven/);
    const rest = await cli('--queue', 'CallbackDeadLetters');
    expect(rest.stdout).toMatch(/1 callback\(s\) redriven/);
    await h.runToEnd();
    const applied = h.scm
      .received()
      .filter((r) => r.answer === 200)
      .map((r) => r.webhookId);
    expect(applied.sort()).toEqual([first, second].sort());
  }, 60_000);
});
