import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoShipmentRecords } from '../../shared/adapters/dynamodb/shipment-records';
import { SHIPMENTS_TABLE } from '../../shared/adapters/dynamodb/tables';
import { VirtualClock } from '../../shared/domain/clock';
import type { BusMessage, CoreLogger, EventPublisher } from '../../shared/domain/ports';
import { shipmentStore } from '../../shared/domain/shipment-store';
import type { ShipmentDeps } from '../../shared/domain/use-cases/shipment-deps';

/** Records what would reach the bus; can be told to fail, like an unavailable bus. */
export class RecordingPublisher implements EventPublisher {
  readonly published: BusMessage[] = [];
  failing = false;
  async publish(messages: BusMessage[]): Promise<void> {
    if (this.failing) throw new Error('bus unavailable');
    this.published.push(...messages);
  }
}

export const silentLogger: CoreLogger = { info: () => {}, warn: () => {}, error: () => {} };

let counter = 0;
export function testDeps(client: DynamoDBClient, overrides: Partial<ShipmentDeps> = {}) {
  const publisher = new RecordingPublisher();
  const clock = new VirtualClock();
  const deps: ShipmentDeps = {
    store: shipmentStore(new DynamoShipmentRecords(client, SHIPMENTS_TABLE.id)),
    publisher,
    clock,
    ids: { next: () => `id-${++counter}` },
    priorityPolicy: { urgentDeclaredValue: 10_000 },
    logger: silentLogger,
    ...overrides,
  };
  return { deps, publisher, clock };
}
