import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { API_ENDPOINTS, type ApiEndpoint } from '../functions/api/endpoints';
import { awsClients } from '../shared/adapters/clients';
import {
  CALLBACKS_TABLE,
  IDEMPOTENCY_TABLE,
  SHIPMENTS_TABLE,
  TABLES,
} from '../shared/adapters/dynamodb/tables';
import { SHIPMENT_QUEUES } from '../shared/adapters/sqs/queues';
import { CALLBACK_DELIVERY_RULE } from '../shared/domain/callbacks/rules';
import { SHIPMENT_QUEUE_RULES } from '../shared/domain/event-rules';
import type { ThrottleLimits } from '../shared/domain/throttle';
import { LOCAL_MODULES } from './modules/index';
import type { LocalContext } from './modules/types';
import { LocalMetrics } from './ops/metrics-store';
import { CLOCK_FILE, startPersistentClock } from './services/clock';
import { ownerOnlyDataDir } from './services/data-dir';
import { ensureTables } from './services/dynamodb';
import { type BusRule, startEventBus } from './services/event-bus';
import { startBackingServices } from './services/service-thread';
import { ensureQueue, type QueueUrls } from './services/sqs';

export interface LocalRuntimeOptions {
  port: number;
  dataDir: string;
  apiKey?: string;
  timeScale: number;
  /** The usage plan's limits the local gateway enforces (default: the CDK stack's). */
  throttle?: ThrottleLimits;
  /** Failed API-key checks allowed per client address (default: AUTH_FAILURE_THROTTLE). */
  authFailureThrottle?: ThrottleLimits;
  /** How often the outbox relay runs, wall-clock ms. */
  relayIntervalMs?: number;
}

export interface LocalRuntime {
  url: string;
  apiKey: string;
  queues: Record<'p0' | 'p1' | 'p2', QueueUrls>;
  endpoints: { dynamodb: string; sqs: string; eventbridge: string };
  /** Extra lines the capability modules want printed at start. */
  banner: string[];
  /** The runtime's own view of the service metrics (the same names as in CloudWatch). */
  metrics: LocalMetrics;
  stop(): Promise<void>;
}

const BUS_NAME = 'scm-route-optimizer';

/**
 * The local composition root: embedded DynamoDB on disk, an SQS-protocol queue server, a local
 * EventBridge with the same rules, and the API handlers behind a local API Gateway. The functions
 * are the deployed ones; only their environment points at loopback.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const dataDir = resolve(options.dataDir);
  ownerOnlyDataDir(dataDir);
  const apiKey = options.apiKey ?? persistedApiKey(dataDir);
  // One service clock for the whole process, continued from where the previous run left it.
  const serviceClock = startPersistentClock(dataDir, options.timeScale);
  const { clock } = serviceClock;
  // Local services accept any credentials; the SDK still wants some.
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';

  // dynalite and the SQS stand-in answer from a thread of their own (service-thread.ts).
  const services = await startBackingServices({ dynamoPath: join(dataDir, 'dynamodb') });
  const dynamo = { endpoint: services.endpoints.dynamodb };
  const sqs = { endpoint: services.endpoints.sqs };
  const region = 'eu-north-1';
  const queueClients = awsClients({ AWS_REGION: region, SQS_ENDPOINT: sqs.endpoint });
  const queues = {} as LocalRuntime['queues'];
  for (const def of SHIPMENT_QUEUES)
    queues[def.tier] = await ensureQueue(queueClients.sqs, def, options.timeScale);

  const rules: BusRule[] = SHIPMENT_QUEUE_RULES.map((rule) => ({
    name: rule.name,
    pattern: rule.pattern,
    deliver: async (envelope) => {
      await queueClients.sqs.send(
        new SendMessageCommand({ QueueUrl: queues[rule.queue].url, MessageBody: JSON.stringify(envelope) }),
      );
    },
  }));
  const bus = await startEventBus({ busName: BUS_NAME, rules: () => rules, clock, region });
  const endpoints = { dynamodb: dynamo.endpoint, sqs: sqs.endpoint, eventbridge: bus.endpoint };

  Object.assign(process.env, {
    AWS_REGION: region,
    SHIPMENTS_TABLE: SHIPMENTS_TABLE.id,
    IDEMPOTENCY_TABLE: IDEMPOTENCY_TABLE.id,
    EVENT_BUS_NAME: BUS_NAME,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    EVENTBRIDGE_ENDPOINT: bus.endpoint,
    SQS_ENDPOINT: sqs.endpoint,
    TIME_SCALE: String(options.timeScale),
    ...serviceClock.env,
    // Every function shares this process: solvers yield the cores to the API (solver-worker.ts).
    SOLVER_THREAD_NICE: process.env.SOLVER_THREAD_NICE ?? '10',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...Object.fromEntries(SHIPMENT_QUEUES.map((q) => [q.envVar, queues[q.tier].url])),
  });
  const clients = awsClients({ AWS_REGION: region, DYNAMODB_ENDPOINT: dynamo.endpoint });
  await ensureTables(
    clients.dynamodb,
    TABLES.map((def) => ({ def, name: def.id })),
  );
  for (const def of TABLES) process.env[def.envVar] = def.id;

  const context: LocalContext = {
    clock,
    timeScale: options.timeScale,
    region,
    dataDir,
    endpoints,
    queues,
    addBusRule: (rule) => rules.push(rule),
    setEnv: (values) => Object.assign(process.env, values),
  };
  // Every metric the functions record lands here too (EMF output itself stays off locally).
  const localMetrics = new LocalMetrics();
  const { setMetricsSink } = await import('../shared/runtime/observability');
  setMetricsSink(localMetrics.record);
  const started: { name: string; stop(): Promise<void>; banner?: string[] }[] = [];
  for (const module of LOCAL_MODULES) started.push({ name: module.name, ...(await module.start(context)) });

  // Functions are imported only now: they read their environment once, at "cold start".
  const { dependencies } = await import('../functions/composition');
  const { relayOutbox } = await import('../shared/domain/use-cases/publish');
  const { requeueInterruptedUrgent, requeueShipments } = await import('../shared/domain/use-cases/recovery');
  const { createGateway } = await import('./gateway');
  const { prewarmSolverWorkers } = await import('../shared/solver');
  const deps = dependencies();
  // The URGENT path's repair runs in a loaded worker, never on the event loop that serves the API.
  prewarmSolverWorkers(2);

  // The local queues live in memory: announce again what was waiting in them before a restart.
  await relayOutbox(deps);
  await requeueInterruptedUrgent(deps);
  await requeueShipments(['RECEIVED', 'QUEUED', 'STALE'], deps);

  const modules = new Map<string, Record<string, unknown>>();
  const resolveHandler = async (endpoint: ApiEndpoint) => {
    let mod = modules.get(endpoint.entry);
    if (!mod) {
      mod = (await import(`../${endpoint.entry.replace(/\.ts$/, '')}`)) as Record<string, unknown>;
      modules.set(endpoint.entry, mod);
    }
    return mod[endpoint.handler] as (e: APIGatewayProxyEvent, c: Context) => Promise<APIGatewayProxyResult>;
  };
  // The operations page (/ops): the runtime's own metrics and its stores, refreshed live.
  const { opsPages } = await import('./ops/page');
  const { collectFigures, sampleQueues } = await import('./ops/figures');
  const { DynamoBreakerStore } = await import('../shared/adapters/dynamodb/callback-store');
  const opsSqs = awsClients({ AWS_REGION: region, SQS_ENDPOINT: sqs.endpoint }).sqs;
  const regionsSeen = new Set<string>(Object.keys(deps.fleet.regions));
  rules.push({
    name: 'OpsRegions',
    pattern: CALLBACK_DELIVERY_RULE.pattern,
    deliver: async (envelope) => {
      const r = (envelope.detail as { region?: unknown }).region;
      if (typeof r === 'string') regionsSeen.add(r);
    },
  });
  const opsSources = {
    metrics: localMetrics,
    sqs: opsSqs,
    shipments: deps.store,
    windows: deps.windows,
    batches: deps.batches,
    breakers: new DynamoBreakerStore(clients.dynamodb, CALLBACKS_TABLE.id),
    endpoints: () => (process.env.SCM_CALLBACK_URL ? [process.env.SCM_CALLBACK_URL] : []),
    regions: () => [...regionsSeen],
    clock,
    fleet: deps.fleet,
  };
  const gateway = createGateway({
    pages: opsPages({ apiKey, figures: () => collectFigures(opsSources) }),
    endpoints: API_ENDPOINTS,
    resolve: resolveHandler,
    apiKey,
    ...(options.throttle ? { throttle: options.throttle } : {}),
    ...(options.authFailureThrottle ? { authFailureThrottle: options.authFailureThrottle } : {}),
  });
  await new Promise<void>((res, rej) => {
    gateway.once('error', rej);
    gateway.listen(options.port, '127.0.0.1', () => res());
  });
  const { port } = gateway.address() as AddressInfo;

  let stopping = false;
  // Queue depths for the ops page's charts, every 5 s (CloudWatch's SQS metrics in AWS).
  let wakeDepthLoop = () => {};
  const depthLoop = (async () => {
    while (!stopping) {
      await sampleQueues(opsSqs, localMetrics).catch((error) =>
        deps.logger.warn('queue depth sample failed', { error: String(error) }),
      );
      await new Promise<void>((r) => {
        const timer = setTimeout(r, 5000);
        wakeDepthLoop = () => {
          clearTimeout(timer);
          r();
        };
      });
    }
  })();
  const relayLoop = (async () => {
    while (!stopping) {
      await new Promise((r) => setTimeout(r, options.relayIntervalMs ?? 1000));
      if (stopping) break;
      await relayOutbox(deps, { graceMs: 3000 * options.timeScale }).catch((error) =>
        deps.logger.warn('outbox relay failed', { error: String(error) }),
      );
    }
  })();

  const url = `http://127.0.0.1:${port}`;
  // What local tools (tests, dlq:redrive, replay) need to find this runtime; removed at stop.
  const descriptor = join(dataDir, 'runtime.json');
  writeFileSync(
    descriptor,
    JSON.stringify(
      {
        pid: process.pid,
        url,
        apiKey,
        endpoints,
        queues,
        clock: { timeScale: options.timeScale, ...serviceClock.anchor },
      },
      null,
      2,
    ),
    {
      mode: 0o600,
    },
  );

  return {
    url,
    apiKey,
    queues,
    endpoints,
    banner: [
      `services  dynalite and the SQS stand-in on ${services.where === 'thread' ? 'a thread of their own' : 'the main thread (LOCAL_SERVICES_THREAD=off, or no thread could start)'}`,
      `clock     ${new Date(clock.now()).toISOString()} on the service clock (continued from ${CLOCK_FILE} in DATA_DIR; webhook-timestamp and log lines: wall clock)`,
      ...started.flatMap((m) => m.banner ?? []),
    ],
    metrics: localMetrics,
    async stop() {
      setMetricsSink(undefined);
      stopping = true;
      gateway.closeAllConnections();
      await new Promise<void>((r) => gateway.close(() => r()));
      await relayLoop;
      wakeDepthLoop();
      await depthLoop;
      opsSqs.destroy();
      for (const m of started.reverse()) await m.stop();
      rmSync(descriptor, { force: true });
      await bus.close();
      await services.close();
      serviceClock.close();
    },
  };
}

function persistedApiKey(dataDir: string): string {
  const file = join(dataDir, 'api-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = `local_${randomBytes(18).toString('base64url')}`;
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}
