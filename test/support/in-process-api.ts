import type { AddressInfo } from 'node:net';
import type { Context, SQSEvent } from 'aws-lambda';
import { vi } from 'vitest';
import { API_ENDPOINTS } from '../../functions/api/endpoints';
import { createGateway } from '../../local/gateway';
import { type BusEnvelope, startEventBus } from '../../local/services/event-bus';
import { lambdaContext } from '../../local/services/queue-poller';
import { BATCHING_TABLE, IDEMPOTENCY_TABLE, SHIPMENTS_TABLE } from '../../shared/adapters/dynamodb/tables';
import { systemClock } from '../../shared/domain/clock';
import { dynamoOnLoopback } from './dynamo';

export const IN_PROCESS_API_KEY = 'local_in-process-api';

/**
 * The services the functions need on loopback (dynalite in memory, a local bus that records what
 * it is sent) and the environment pointing at them; `process()` then evaluates the function
 * modules anew (a fresh "process" or container) behind the local gateway.
 */
export async function startInProcessServices() {
  const dynamo = await dynamoOnLoopback();
  const announced: BusEnvelope[] = [];
  const bus = await startEventBus({
    busName: 'test',
    region: 'eu-north-1',
    clock: systemClock,
    rules: () => [
      {
        name: 'all',
        pattern: { source: ['scm.route-optimizer'] },
        deliver: async (e) => void announced.push(e),
      },
    ],
  });
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 't',
    AWS_SECRET_ACCESS_KEY: 't',
    SHIPMENTS_TABLE: SHIPMENTS_TABLE.id,
    IDEMPOTENCY_TABLE: IDEMPOTENCY_TABLE.id,
    BATCHING_TABLE: BATCHING_TABLE.id,
    EVENT_BUS_NAME: 'test',
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    EVENTBRIDGE_ENDPOINT: bus.endpoint,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
  });
  return {
    dynamo,
    announced,
    process: () => freshProcess(announced),
    async close() {
      await bus.close();
      await dynamo.close();
    },
  };
}

export type InProcessServices = Awaited<ReturnType<typeof startInProcessServices>>;
type Handler = (
  e: unknown,
  c: Context,
) => Promise<{ statusCode: number; headers?: Record<string, string>; body: string }>;

async function freshProcess(announced: BusEnvelope[]) {
  vi.resetModules();
  const handlers = (await import('../../functions/api/shipments')) as unknown as Record<string, Handler>;
  const { windowConsumer, urgentConsumer } = await import('../../functions/queue/shipments');
  const gateway = createGateway({
    endpoints: API_ENDPOINTS,
    apiKey: IN_PROCESS_API_KEY,
    resolve: async (endpoint) => handlers[endpoint.handler] as never,
  });
  await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  const post = async (body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}/v1/shipments`, {
      method: 'POST',
      headers: { 'x-api-key': IN_PROCESS_API_KEY, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as { shipmentId: string; correlationId?: string },
    };
  };
  const get = async (shipmentId: string) =>
    (await fetch(`${url}/v1/shipments/${shipmentId}`, { headers: { 'x-api-key': IN_PROCESS_API_KEY } }))
      .status;
  const status = async (shipmentId: string) =>
    (
      (await (
        await fetch(`${url}/v1/shipments/${shipmentId}`, { headers: { 'x-api-key': IN_PROCESS_API_KEY } })
      ).json()) as { status?: string }
    ).status;
  /** Delivers what the bus announced for these shipments to a consumer (p1/p2 window, p0 urgent), as SQS would. */
  const consume = async (shipmentIds: string[], consumer: 'window' | 'urgent' = 'window') => {
    const envelopes = announced.filter((e) =>
      shipmentIds.includes((e.detail as { shipmentId: string }).shipmentId),
    );
    if (envelopes.length !== shipmentIds.length)
      throw new Error(`${envelopes.length} events announced for ${shipmentIds.length} shipments`);
    const event: SQSEvent = {
      Records: envelopes.map((e, i) => ({
        messageId: `m-${e.id}`,
        receiptHandle: `r-${i}`,
        body: JSON.stringify(e),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(Date.now()),
          SenderId: 'local',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:eu-north-1:000000000000:${consumer === 'urgent' ? 'Urgent' : 'Standard'}Shipments`,
        awsRegion: 'eu-north-1',
      })),
    };
    if (consumer === 'urgent') return urgentConsumer(event, lambdaContext('UrgentConsumer', 60_000));
    return windowConsumer(event, lambdaContext('StandardConsumer', 60_000));
  };
  return {
    url,
    handlers,
    post,
    get,
    status,
    consume,
    async close() {
      gateway.closeAllConnections();
      await new Promise<void>((r) => gateway.close(() => r()));
    },
  };
}
