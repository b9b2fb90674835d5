import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Operations CLIs run against the local runtime (its endpoints from DATA_DIR/runtime.json) or, when
 * that file is absent, against AWS with the environment the functions use (table names, region,
 * credentials; AWS_ENDPOINT_URL for LocalStack).
 */
export function connectEnvironment(dataDir = process.env.DATA_DIR ?? '.data'): 'local' | 'aws' {
  const file = join(dataDir, 'runtime.json');
  if (!existsSync(file)) return 'aws';
  const runtime = JSON.parse(readFileSync(file, 'utf8')) as {
    endpoints: { dynamodb: string; sqs: string; eventbridge: string };
    clock?: { timeScale: number; wallMs: number; clockMs: number };
  };
  process.env.AWS_REGION ??= 'eu-north-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  process.env.DYNAMODB_ENDPOINT ??= runtime.endpoints.dynamodb;
  process.env.SQS_ENDPOINT ??= runtime.endpoints.sqs;
  process.env.EVENTBRIDGE_ENDPOINT ??= runtime.endpoints.eventbridge;
  process.env.SHIPMENTS_TABLE ??= 'Shipments';
  process.env.IDEMPOTENCY_TABLE ??= 'Idempotency';
  process.env.BATCHING_TABLE ??= 'Batching';
  process.env.CALLBACKS_TABLE ??= 'Callbacks';
  process.env.EVENT_BUS_NAME ??= 'scm-route-optimizer';
  // The runtime's service clock: what a CLI writes (a replay's repair events) is on the same timeline.
  if (runtime.clock) {
    process.env.TIME_SCALE = String(runtime.clock.timeScale);
    process.env.CLOCK_ANCHOR_MS = String(runtime.clock.clockMs);
    process.env.CLOCK_ANCHOR_WALL_MS = String(runtime.clock.wallMs);
  }
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
  return 'local';
}

/**
 * What re-driving callbacks needs on the local runtime (the reconcile and replay CLIs): its
 * callback state machine and local StartExecution endpoint from DATA_DIR/callbacks.json; with
 * `scm`, the fake SCM's listing URL and the webhook secret too. False when the file is absent.
 */
export function connectCallbacks(dataDir: string, options: { scm?: boolean } = {}): boolean {
  const file = join(dataDir, 'callbacks.json');
  if (!existsSync(file)) return false;
  const callbacks = JSON.parse(readFileSync(file, 'utf8')) as {
    stateMachineArn: string;
    stepFunctionsEndpoint: string;
    fakeScmUrl?: string;
  };
  process.env.CALLBACKS_TABLE ??= 'Callbacks';
  process.env.CALLBACK_STATE_MACHINE_ARN ??= callbacks.stateMachineArn;
  process.env.STEPFUNCTIONS_ENDPOINT ??= callbacks.stepFunctionsEndpoint;
  if (options.scm) {
    if (callbacks.fakeScmUrl) process.env.SCM_BASE_URL ??= callbacks.fakeScmUrl;
    const secretFile = join(dataDir, 'webhook-secret');
    if (existsSync(secretFile)) process.env.SCM_WEBHOOK_SECRET ??= readFileSync(secretFile, 'utf8').trim();
  }
  return true;
}
