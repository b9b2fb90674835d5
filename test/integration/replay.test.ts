import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { SHIPMENTS_TABLE } from '../../shared/adapters/dynamodb/tables';
import { replayShipments } from '../../shared/domain/use-cases/replay';
import { cancelShipment, submitShipment } from '../../shared/domain/use-cases/shipments';
import { sampleShipment } from '../support/arbitraries';
import { testDeps } from '../support/deps';
import { dynamoForSuite } from '../support/dynamo';

const dynamo = dynamoForSuite();

describe('replay from the audit trail', () => {
  it('finds every shipment consistent after normal operation, by id, region and time', async () => {
    const { deps, clock } = testDeps(dynamo.client);
    await submitShipment(
      { body: sampleShipment({ shipmentId: 'RP-1', region: 'rp' }), correlationId: 'a', mode: 'create' },
      deps,
    );
    await clock.advance(3_600_000);
    const since = new Date(clock.now()).toISOString();
    await submitShipment(
      { body: sampleShipment({ shipmentId: 'RP-2', region: 'rp' }), correlationId: 'b', mode: 'create' },
      deps,
    );
    await cancelShipment({ shipmentId: 'RP-2', body: {}, correlationId: 'c' }, deps);
    await submitShipment(
      { body: sampleShipment({ shipmentId: 'RP-3', region: 'other' }), correlationId: 'd', mode: 'create' },
      deps,
    );

    expect(await replayShipments({ shipmentId: 'RP-1' }, deps)).toMatchObject({
      checked: 1,
      consistent: 1,
      differences: [],
    });
    expect(await replayShipments({ region: 'rp' }, deps)).toMatchObject({ checked: 2, consistent: 2 });
    const recent = await replayShipments({ since }, deps);
    expect(recent.checked).toBeGreaterThanOrEqual(2);
    expect(recent.differences).toEqual([]);
  });

  it('reports a stored state that differs from its trail, field by field, and repairs a lagging projection', async () => {
    const { deps } = testDeps(dynamo.client);
    const { state } = await submitShipment(
      {
        body: sampleShipment({ shipmentId: 'RP-BAD', region: 'rp-bad' }),
        correlationId: 'a',
        mode: 'create',
      },
      deps,
    );
    // A projection that lost its last update: revision 1 state, while the trail is at 2.
    await cancelShipment({ shipmentId: 'RP-BAD', body: { reason: 'gone' }, correlationId: 'b' }, deps);
    await dynamo.client.send(
      new PutCommand({
        TableName: SHIPMENTS_TABLE.id,
        Item: {
          pk: 'SHIPMENT#RP-BAD',
          sk: 'STATE',
          revision: 1,
          statusKey: state.status,
          regionKey: state.region,
          updatedAt: state.updatedAt,
          state,
        },
      }),
    );
    const report = await replayShipments({ region: 'rp-bad' }, deps, { repair: true });
    expect(report.checked).toBe(1);
    const fields = report.differences[0]?.fields.map((f) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['status', 'revision', 'statusReason']));
    expect(report.differences[0]?.fields.find((f) => f.field === 'status')).toEqual({
      field: 'status',
      stored: 'QUEUED',
      rebuilt: 'CANCELLED',
    });
    expect(report.repaired).toBe(1);
    expect(await replayShipments({ shipmentId: 'RP-BAD' }, deps)).toMatchObject({
      consistent: 1,
      differences: [],
    });
  });
});
