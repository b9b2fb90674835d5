import type {
  CallbackDeadLetter,
  CallbackMode,
  CallbackRecord,
  CallbackStatus,
  DeliveryInput,
} from '../../schemas/callbacks';
import type { BreakerState } from './breaker';
import type { SendResult } from './schedule';

/** Callback records. Writes are conditional on the record's `rev` (optimistic lock). */
export interface CallbackStore {
  get(webhookId: string): Promise<CallbackRecord | undefined>;
  /** Creates the record unless one with this webhook-id exists; false when it does. */
  create(record: CallbackRecord): Promise<boolean>;
  /** Writes `record` (whose `rev` is expectedRev + 1) if the stored one is still at `expectedRev`. */
  replace(record: CallbackRecord, expectedRev: number): Promise<boolean>;
  /** Oldest change first; `updatedSince` (ISO) and `mode` narrow the list (the shadow listing). */
  listByStatus(
    status: CallbackStatus,
    limit: number,
    filter?: { updatedSince?: string; mode?: CallbackMode },
  ): Promise<CallbackRecord[]>;
}

/** Circuit-breaker state per endpoint, written with conditional writes on `rev`. */
export interface BreakerStore {
  /** The stored state, or a closed breaker at rev 0 when none is stored. */
  get(endpoint: string): Promise<BreakerState>;
  /** Writes `next` if the stored state is still at `expectedRev` (0: absent); false when it moved. */
  save(next: BreakerState, expectedRev: number): Promise<boolean>;
}

export interface WebhookRequest {
  url: string;
  webhookId: string;
  body: string;
  correlationId: string;
}

/** Signs and POSTs one webhook; never throws for an HTTP or network failure, it reports it. */
export interface WebhookSender {
  /** POSTs the webhook, signed now, or with `headers` from signedHeaders (a shadow copy). */
  send(request: WebhookRequest, headers?: Record<string, string>): Promise<SendResult>;
  /** The headers a POST of this request carries now (webhook-id, -timestamp, -signature, …). */
  signedHeaders(request: WebhookRequest): Promise<Record<string, string>>;
}

export interface DeadLetterQueue {
  send(message: CallbackDeadLetter): Promise<void>;
}

/** A received queue message, for redrive. */
export interface QueuedMessage {
  body: string;
  receipt: string;
}

export interface DeadLetterSource {
  receive(max: number): Promise<QueuedMessage[]>;
  delete(receipt: string): Promise<void>;
  /** Makes a received message visible again at once (dry run). */
  release(receipt: string): Promise<void>;
}

/** Starts one delivery (a state-machine execution). */
export interface DeliveryStarter {
  start(input: DeliveryInput, name: string): Promise<string>;
}

/** Counters for CloudWatch (and the local runtime's view of the same names). */
export interface CallbackMetrics {
  count(name: CallbackMetricName, value?: number, dimensions?: Record<string, string>): void;
  /** A duration in seconds: end-to-end time RECEIVED → ROUTE_APPLIED. */
  seconds?(name: 'EndToEndSeconds', value: number): void;
}

export type CallbackMetricName =
  | 'CallbackAttempts'
  | 'CallbackDelivered'
  | 'CallbackFailed'
  | 'CallbackAttemptFailed'
  | 'CallbackHeld'
  /** A callback recorded in shadow (rollout): signed, not sent to the SCM. */
  | 'CallbackShadowed'
  /** A half-open probe the SCM did not take (not counted as the delivery's attempt). */
  | 'CallbackProbeFailed'
  | 'CircuitOpened'
  | 'CircuitClosed'
  /** 1 when the breaker opened, 0 when it closed (read with the Maximum statistic). */
  | 'CircuitState';
