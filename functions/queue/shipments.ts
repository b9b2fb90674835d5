import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { SHIPMENT_QUEUES } from '../../shared/adapters/sqs/queues';
import { dropCancelledStop } from '../../shared/domain/batching/cancelled-stops';
import { optimizeQueuedUrgent } from '../../shared/domain/batching/urgent-queue';
import { enqueueShipment } from '../../shared/domain/batching/windows';
import {
  clearCorrelationId,
  flushMetrics,
  logger,
  setCorrelationId,
} from '../../shared/runtime/observability';
import { type ShipmentEventDetail, ShipmentQueueMessage } from '../../shared/schemas/events';
import { dependencies } from '../dependencies';

/**
 * SQS consumers of the priority queues, with partial batch responses: one poison message never
 * holds back the others (it is retried, then dead-lettered after 5 receives). A message delivered
 * more than once has one effect: idempotency records keyed by the event id (24 h TTL), each
 * consumer with its own persistence layer and key prefix.
 */
const deps = dependencies();

const config = new IdempotencyConfig({
  eventKeyJmesPath: 'eventId',
  expiresAfterSeconds: deps.env.IDEMPOTENCY_TTL_SECONDS,
});

const addToWindowOnce = makeIdempotent((detail: ShipmentEventDetail) => enqueueShipment(detail, deps), {
  persistenceStore: deps.idempotencyStore(),
  config,
  keyPrefix: 'window-consumer',
});

const optimizeUrgentOnce = makeIdempotent(
  (detail: ShipmentEventDetail, receive: { count: number; max: number }) =>
    optimizeQueuedUrgent(detail, deps.env.URGENT_QUEUE_BUDGET_MS, deps, receive),
  { persistenceStore: deps.idempotencyStore(), config, keyPrefix: 'urgent-consumer' },
);

/** Validates the EventBridge envelope at the queue boundary; a malformed message fails (→ DLQ). */
export function parseShipmentMessage(record: SQSRecord) {
  return ShipmentQueueMessage.parse(JSON.parse(record.body));
}

/** The p0 queue's receives before its DLQ: the last one gives an unplaceable shipment up. */
const URGENT_MAX_RECEIVES = SHIPMENT_QUEUES.find((q) => q.tier === 'p0')?.maxReceiveCount ?? 5;

function consumer(
  handle: (detail: ShipmentEventDetail, type: string, receiveCount: number) => Promise<unknown>,
) {
  const processor = new BatchProcessor(EventType.SQS);
  const recordHandler = async (record: SQSRecord) => {
    const message = parseShipmentMessage(record);
    setCorrelationId(message.detail.correlationId);
    try {
      const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
      const result = await handle(message.detail, message['detail-type'], receiveCount);
      logger.info('shipment message processed', {
        shipmentId: message.detail.shipmentId,
        result: result as never,
      });
    } finally {
      clearCorrelationId();
    }
  };
  return async (event: SQSEvent, context: Context) => {
    config.registerLambdaContext(context);
    try {
      return await processPartialResponse(event, recordHandler, processor, { context });
    } finally {
      flushMetrics();
    }
  };
}

/** p1 and p2: collect STANDARD and BULK shipments into their region's window; a cancelled one leaves its route. */
export const windowConsumer = consumer(async (detail, type) =>
  type === 'shipment.cancelled' ? dropCancelledStop(detail, deps) : addToWindowOnce(detail),
);

/** p0: URGENT shipments whose real-time optimization ran out of budget (given up on the last receive). */
export const urgentConsumer = consumer(async (detail, type, receiveCount) =>
  type === 'shipment.cancelled'
    ? dropCancelledStop(detail, deps)
    : optimizeUrgentOnce(detail, { count: receiveCount, max: URGENT_MAX_RECEIVES }),
);
