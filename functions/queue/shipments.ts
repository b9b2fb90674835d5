import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { SHIPMENT_QUEUES } from '../../shared/adapters/sqs/queues';
import { dropCancelledStop } from '../../shared/domain/batching/cancelled-stops';
import { optimizeQueuedUrgent } from '../../shared/domain/batching/urgent-queue';
import { enqueueShipment } from '../../shared/domain/batching/windows';
import { jsonBody, sqsConsumer } from '../../shared/runtime/lambda';
import { type ShipmentEventDetail, ShipmentQueueMessage } from '../../shared/schemas/events';
import { dependencies } from '../composition';

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

// The idempotency key is the first argument's eventId; the second carries the message's logger.
const addToWindowOnce = makeIdempotent(
  (detail: ShipmentEventDetail, messageDeps: typeof deps) => enqueueShipment(detail, messageDeps),
  { persistenceStore: deps.idempotencyStore(), config, keyPrefix: 'window-consumer' },
);

const optimizeUrgentOnce = makeIdempotent(
  (detail: ShipmentEventDetail, receive: { count: number; max: number }, messageDeps: typeof deps) =>
    optimizeQueuedUrgent(detail, messageDeps.env.URGENT_QUEUE_BUDGET_MS, messageDeps, receive),
  { persistenceStore: deps.idempotencyStore(), config, keyPrefix: 'urgent-consumer' },
);

/** Validates the EventBridge envelope at the queue boundary; a malformed message fails (→ DLQ). */
export const parseShipmentMessage = jsonBody(ShipmentQueueMessage);

/** The p0 queue's receives before its DLQ: the last one gives an unplaceable shipment up. */
const URGENT_MAX_RECEIVES = SHIPMENT_QUEUES.find((q) => q.tier === 'p0')?.maxReceiveCount ?? 5;

function consumer(
  handle: (
    detail: ShipmentEventDetail,
    type: string,
    receiveCount: number,
    messageDeps: typeof deps,
  ) => Promise<unknown>,
) {
  return sqsConsumer({
    parse: parseShipmentMessage,
    correlationId: (message) => message.detail.correlationId,
    onInvoke: (context) => config.registerLambdaContext(context),
    handle: async (message, record, log) => {
      const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
      // The use cases log through this message's logger: its correlation id on each of their lines.
      const result = await handle(message.detail, message['detail-type'], receiveCount, {
        ...deps,
        logger: log,
      });
      log.info('shipment message processed', {
        shipmentId: message.detail.shipmentId,
        result: result as never,
      });
    },
  });
}

/** p1 and p2: collect STANDARD and BULK shipments into their region's window; a cancelled one leaves its route. */
export const windowConsumer = consumer(async (detail, type, _receiveCount, messageDeps) =>
  type === 'shipment.cancelled'
    ? dropCancelledStop(detail, messageDeps)
    : addToWindowOnce(detail, messageDeps),
);

/** p0: URGENT shipments whose real-time optimization ran out of budget (given up on the last receive). */
export const urgentConsumer = consumer(async (detail, type, receiveCount, messageDeps) =>
  type === 'shipment.cancelled'
    ? dropCancelledStop(detail, messageDeps)
    : optimizeUrgentOnce(detail, { count: receiveCount, max: URGENT_MAX_RECEIVES }, messageDeps),
);
