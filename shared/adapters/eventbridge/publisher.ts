import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
} from '@aws-sdk/client-eventbridge';
import { DependencyError } from '../../domain/errors';
import type { BusMessage, EventPublisher } from '../../domain/ports';
import { EVENT_SOURCE } from '../../schemas/events';

const MAX_ENTRIES = 10;

/** EventPublisher on EventBridge PutEvents; partial failures are failures (the outbox retries). */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(messages: BusMessage[]): Promise<void> {
    for (let i = 0; i < messages.length; i += MAX_ENTRIES) {
      const chunk = messages.slice(i, i + MAX_ENTRIES);
      let result: PutEventsCommandOutput;
      try {
        result = await this.client.send(
          new PutEventsCommand({
            Entries: chunk.map((m) => ({
              EventBusName: this.busName,
              Source: EVENT_SOURCE,
              DetailType: m.detailType,
              Detail: JSON.stringify(m.detail),
            })),
          }),
        );
      } catch (error) {
        throw new DependencyError('PutEvents failed', { cause: error });
      }
      if (result.FailedEntryCount) {
        throw new DependencyError(`PutEvents rejected ${result.FailedEntryCount} of ${chunk.length} entries`);
      }
    }
  }
}
