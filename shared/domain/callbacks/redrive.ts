import { CallbackDeadLetter, type DeliveryInput, RouteOptimizedEnvelope } from '../../schemas/callbacks';
import type { CoreLogger } from '../ports';
import { webhookIdOf } from './payloads';
import type { DeadLetterSource, DeliveryStarter } from './ports';

export interface RedriveOptions {
  dryRun?: boolean;
  /** At most this many messages; all when absent. */
  max?: number;
  /** Names each execution uniquely (Step Functions keeps names for 90 days). */
  executionName: (webhookId: string) => string;
}

export interface RedriveReport {
  redriven: { webhookId: string; shipmentId: string; execution?: string }[];
  /** Messages that are not callback dead letters: left in the queue. */
  unreadable: number;
  dryRun: boolean;
}

/**
 * Takes callbacks off the dead-letter queue and starts each delivery again with the same webhook-id
 * and body (the SCM de-duplicates on the id). A message is deleted only after its delivery started;
 * in a dry run, every message is put back as it was.
 */
export async function redriveCallbacks(
  deps: { source: DeadLetterSource; starter: DeliveryStarter; logger: CoreLogger },
  options: RedriveOptions,
): Promise<RedriveReport> {
  const report: RedriveReport = { redriven: [], unreadable: 0, dryRun: options.dryRun ?? false };
  const max = options.max ?? Number.POSITIVE_INFINITY;
  const held: string[] = [];
  try {
    while (report.redriven.length < max) {
      const batch = await deps.source.receive(Math.min(10, max - report.redriven.length));
      if (batch.length === 0) break;
      for (const message of batch) {
        const parsed = parseLetter(message.body);
        if (!parsed) {
          report.unreadable++;
          held.push(message.receipt);
          continue;
        }
        if (options.dryRun) {
          report.redriven.push({ webhookId: parsed.webhookId, shipmentId: parsed.shipmentId });
          held.push(message.receipt);
          continue;
        }
        const execution = await deps.starter.start(parsed.input, options.executionName(parsed.webhookId));
        await deps.source.delete(message.receipt);
        report.redriven.push({ webhookId: parsed.webhookId, shipmentId: parsed.shipmentId, execution });
        deps.logger.info('callback redriven', { webhookId: parsed.webhookId, execution });
      }
    }
  } finally {
    for (const receipt of held) await deps.source.release(receipt);
  }
  return report;
}

/**
 * A callback dead letter (from the DeadLetter task), or a route.optimized event the bus could not
 * hand to the state machine (the rule target's DLQ): both restart with the webhook-id they imply.
 */
function parseLetter(
  body: string,
): { webhookId: string; shipmentId: string; input: DeliveryInput } | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const letter = CallbackDeadLetter.safeParse(json);
  if (letter.success) {
    return {
      webhookId: letter.data.webhookId,
      shipmentId: letter.data.shipmentId,
      input: { redrive: letter.data },
    };
  }
  const event = RouteOptimizedEnvelope.safeParse(json);
  if (event.success) {
    return {
      webhookId: webhookIdOf(event.data.detail.eventId),
      shipmentId: event.data.detail.shipmentId,
      input: event.data,
    };
  }
  return undefined;
}
