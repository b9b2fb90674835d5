import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  LIVE_SHARE_FILE,
  readLiveShareFile,
  writeLiveShareFile,
} from '../../shared/adapters/rollout/file-live-share';
import { DLQ_RETENTION_DAYS } from '../../shared/adapters/sqs/queues';
import { recoverDeliveries } from '../../shared/domain/callbacks/recovery';
import { CALLBACK_DELIVERY_RULE } from '../../shared/domain/callbacks/rules';
import type { Clock } from '../../shared/domain/clock';
import { logger } from '../../shared/runtime/observability';
import { LocalStateMachine } from '../callbacks/state-machine';
import { type FakeScm, startFakeScm } from '../fake-scm/server';
import { startLocalStepFunctions } from '../services/step-functions';
import type { LocalModule } from './types';

/** Where local tools (dlq:redrive) find the callback delivery of a running local runtime. */
export const CALLBACKS_DESCRIPTOR = 'callbacks.json';

export interface CallbacksDescriptor {
  sqsEndpoint: string;
  stepFunctionsEndpoint: string;
  stateMachineArn: string;
  deadLetterQueue: { name: string; url: string };
  fakeScmUrl?: string;
}

/**
 * Callback delivery in the local runtime: the deployed state-machine definition run by
 * aws-local-stepfunctions on the runtime's clock, started by the same bus rule; the callback DLQ;
 * a local StartExecution endpoint for redrive; and, without SCM_CALLBACK_URL, the fake SCM.
 */
export const callbacksModule: LocalModule = {
  name: 'callbacks',
  async start(ctx) {
    const secret = process.env.SCM_WEBHOOK_SECRET ?? persistedSecret(ctx.dataDir);
    let fake: FakeScm | undefined;
    let callbackUrl = process.env.SCM_CALLBACK_URL;
    if (!callbackUrl) {
      fake = await startPersistentFakeScm(ctx.dataDir, secret, ctx.clock);
      callbackUrl = fake.webhookUrl;
    }
    // The live share is kept in DATA_DIR (LIVE_SHARE seeds it on the first start), so that
    // `npm run rollout:set` and a restart see the same value.
    const liveShareFile = process.env.LIVE_SHARE_FILE ?? join(ctx.dataDir, LIVE_SHARE_FILE);
    if (!existsSync(liveShareFile)) writeLiveShareFile(liveShareFile, Number(process.env.LIVE_SHARE ?? 1));
    const sqs = new SQSClient({ region: ctx.region, endpoint: ctx.endpoints.sqs });
    const { CALLBACK_DLQ_NAME } = await import('../../infra/constructs/callbacks');
    const { renderDeliveryDefinition } = await import('../../infra/constructs/callbacks-render');
    const dlq = await sqs.send(
      new CreateQueueCommand({
        QueueName: CALLBACK_DLQ_NAME,
        Attributes: { MessageRetentionPeriod: String(DLQ_RETENTION_DAYS * 86400) },
      }),
    );
    const dlqUrl = dlq.QueueUrl ?? '';
    ctx.setEnv({
      SCM_CALLBACK_URL: callbackUrl,
      SCM_WEBHOOK_SECRET: secret,
      CALLBACK_DLQ_URL: dlqUrl,
      CALLBACK_MODE: process.env.CALLBACK_MODE ?? 'live',
      // The rollout share, changed at runtime by `npm run rollout:set -- SHARE`.
      LIVE_SHARE_FILE: liveShareFile,
      ...(fake && !process.env.SCM_BASE_URL ? { SCM_BASE_URL: fake.url } : {}),
    });

    const { deliveryTasks } = await import('../../functions/workflow/tasks');
    const { callbackDependencies } = await import('../../functions/workflow/callback-composition');
    const deps = callbackDependencies({ clock: ctx.clock });
    const handlers = deliveryTasks(() => deps);
    const rendered = renderDeliveryDefinition({ region: ctx.region });
    const machine = new LocalStateMachine({
      definition: rendered.definition,
      tasks: Object.fromEntries(Object.entries(rendered.tasks).map(([state, fn]) => [state, handlers[fn]])),
      clock: ctx.clock,
      retryIntervalMs: 2000 / ctx.timeScale,
      onExecutionError: (execution, error) =>
        logger.warn('callback delivery execution failed', {
          execution,
          error: String((error as Error).message ?? error),
        }),
    });
    ctx.addBusRule({
      name: CALLBACK_DELIVERY_RULE.name,
      pattern: CALLBACK_DELIVERY_RULE.pattern,
      deliver: async (envelope) => {
        machine.start(envelope);
      },
    });
    const sfn = await startLocalStepFunctions({ machines: [machine] });

    // Executions live in memory: drive every delivery a previous run left unfinished to its end,
    // wherever it stopped (no callback yet, pending, or ended before its shipment moved).
    await recoverDeliveries(deps, (input) => machine.start(input));

    const descriptorFile = join(ctx.dataDir, CALLBACKS_DESCRIPTOR);
    const descriptor: CallbacksDescriptor = {
      sqsEndpoint: ctx.endpoints.sqs,
      stepFunctionsEndpoint: sfn.endpoint,
      stateMachineArn: machine.arn,
      deadLetterQueue: { name: CALLBACK_DLQ_NAME, url: dlqUrl },
      ...(fake ? { fakeScmUrl: fake.url } : {}),
    };
    writeFileSync(descriptorFile, JSON.stringify(descriptor, null, 2), { mode: 0o600 });

    return {
      banner: [
        `callbacks  ${callbackUrl}${fake ? '   (built-in fake SCM: POST /_control, GET /_received)' : ''}   mode ${process.env.CALLBACK_MODE ?? 'live'}`,
        `rollout    live share ${readLiveShareFile(liveShareFile, 1)}   (npm run rollout:set -- SHARE; npm run -s shadow:list)`,
        `webhook secret ${secret}`,
        `callback DLQ ${CALLBACK_DLQ_NAME}   (npm run dlq:redrive -- --queue ${CALLBACK_DLQ_NAME} [--dry-run] [--max N])`,
      ],
      async stop() {
        rmSync(descriptorFile, { force: true });
        await machine.stop();
        await sfn.close();
        await fake?.close();
        sqs.destroy();
      },
    };
  },
};

/**
 * The fake SCM on SCM_FAKE_PORT, else on the port it had before this restart (callbacks recorded
 * with its URL stay deliverable), else on a free one; the port is kept in DATA_DIR.
 */
async function startPersistentFakeScm(dataDir: string, secret: string, clock: Clock): Promise<FakeScm> {
  const file = join(dataDir, 'fake-scm-port');
  const wanted = Number(
    process.env.SCM_FAKE_PORT ?? (existsSync(file) ? readFileSync(file, 'utf8').trim() : 0),
  );
  let fake: FakeScm;
  try {
    fake = await startFakeScm({ secret, clock, port: wanted });
  } catch {
    fake = await startFakeScm({ secret, clock, port: 0 });
  }
  writeFileSync(file, `${new URL(fake.url).port}\n`);
  return fake;
}

function persistedSecret(dataDir: string): string {
  const file = join(dataDir, 'webhook-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
