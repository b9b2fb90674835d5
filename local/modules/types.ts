import type { Clock } from '../../shared/domain/clock';
import type { BusRule } from '../services/event-bus';
import type { QueueUrls } from '../services/sqs';

/**
 * What the local runtime hands each capability module (batching, callbacks, reconciliation …):
 * the shared clock, the local service endpoints and the bus to subscribe to. Environment variables
 * for the functions are already set when `start` runs.
 */
export interface LocalContext {
  clock: Clock;
  timeScale: number;
  region: string;
  dataDir: string;
  endpoints: { dynamodb: string; sqs: string; eventbridge: string };
  queues: Record<'p0' | 'p1' | 'p2', QueueUrls>;
  /** Adds an event-bus rule (the local twin of an EventBridge rule + target). */
  addBusRule(rule: BusRule): void;
  /** Sets environment variables before the module imports its functions. */
  setEnv(values: Record<string, string>): void;
}

export interface LocalModule {
  name: string;
  /** Creates its tables/queues, subscribes to the bus, starts its pollers and timers. */
  start(ctx: LocalContext): Promise<{ stop(): Promise<void>; banner?: string[] }>;
}
