import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { SHIPMENTS_TABLE } from '../../shared/adapters/dynamodb/tables';
import { rebuildState } from '../../shared/domain/audit';
import { ConcurrencyConflictError, VersionConflictError } from '../../shared/domain/errors';
import { relayOutbox } from '../../shared/domain/use-cases/publish';
import { cancelShipment, commit, submitShipment } from '../../shared/domain/use-cases/shipments';
import { sampleShipment } from '../support/arbitraries';
import { testDeps } from '../support/deps';
import { dynamoForSuite } from '../support/dynamo';

const dynamo = dynamoForSuite();

describe('DynamoShipmentStore on dynalite', () => {
  it('lets exactly one of N concurrent writers with the same expected revision win', async () => {
    const { deps } = testDeps(dynamo.client);
    const { state } = await commit(deps, undefined, {
      type: 'shipment.created',
      status: 'QUEUED',
      version: 1,
      correlationId: 'c',
      patch: {
        shipment: sampleShipment({ shipmentId: 'RACE-1' }),
        bodyHash: 'h',
        priority: 'STANDARD',
        region: 'eu-north',
      },
    });
    const N = 12;
    const results = await Promise.allSettled(
      Array.from({ length: N }, (_, i) =>
        commit(deps, state, {
          type: 'shipment.updated',
          status: 'QUEUED',
          version: 2 + i,
          correlationId: `writer-${i}`,
          patch: { shipment: sampleShipment({ shipmentId: 'RACE-1', version: 2 + i }), bodyHash: `h${i}` },
        }),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(N - 1);
    for (const l of lost) expect(l.reason).toBeInstanceOf(ConcurrencyConflictError);
    const final = await deps.store.get('RACE-1');
    expect(final?.revision).toBe(2);
    expect(await deps.store.events('RACE-1')).toHaveLength(2);
  });

  it('serializes concurrent API updates: every newer version lands once, in a valid order', async () => {
    const { deps } = testDeps(dynamo.client);
    await submitShipment(
      { body: sampleShipment({ shipmentId: 'RACE-2' }), correlationId: 'c0', mode: 'create' },
      deps,
    );
    const versions = [2, 3, 4, 5, 6];
    const results = await Promise.allSettled(
      versions.map((v) =>
        submitShipment(
          {
            body: sampleShipment({ shipmentId: 'RACE-2', version: v }),
            correlationId: `c${v}`,
            mode: 'create',
          },
          deps,
        ),
      ),
    );
    // A writer that lost the race and then found a newer version stored gets a 409, never a lost update.
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(VersionConflictError);
    }
    const trail = await deps.store.events('RACE-2');
    const trailVersions = trail.map((e) => e.version);
    expect(trailVersions).toEqual([...trailVersions].sort((a, b) => a - b));
    expect((await deps.store.get('RACE-2'))?.version).toBe(Math.max(...trailVersions));
    expect(trailVersions.at(-1)).toBe(6);
  });

  it('rebuilds exactly the stored state from the audit trail', async () => {
    const { deps } = testDeps(dynamo.client);
    await submitShipment(
      { body: sampleShipment({ shipmentId: 'TRAIL-1' }), correlationId: 'a', mode: 'create' },
      deps,
    );
    await submitShipment(
      {
        body: sampleShipment({ shipmentId: 'TRAIL-1', version: 2, weightKg: 3 }),
        correlationId: 'b',
        mode: 'create',
      },
      deps,
    );
    await cancelShipment(
      { shipmentId: 'TRAIL-1', body: { reason: 'customer cancelled' }, correlationId: 'c' },
      deps,
    );
    const stored = await deps.store.get('TRAIL-1');
    const trail = await deps.store.events('TRAIL-1');
    expect(trail.map((e) => e.type)).toEqual(['shipment.created', 'shipment.updated', 'shipment.cancelled']);
    expect(rebuildState(trail)).toEqual(stored);
    expect(stored).toMatchObject({ status: 'CANCELLED', version: 2, statusReason: 'customer cancelled' });
  });

  it('loses no event when the process dies between the state write and the publish', async () => {
    const { deps, publisher } = testDeps(dynamo.client);
    publisher.failing = true; // the publish never happens: as if the process died right after the commit
    const result = await submitShipment(
      { body: sampleShipment({ shipmentId: 'CRASH-1' }), correlationId: 'x', mode: 'create' },
      deps,
    );
    expect(result.state.status).toBe('QUEUED');
    expect(publisher.published).toHaveLength(0);
    const pending = await deps.store.pendingOutbox(100);
    expect(pending.map((e) => e.shipmentId)).toContain('CRASH-1');

    publisher.failing = false;
    await relayOutbox(deps);
    const sent = publisher.published.filter((m) => m.detail.shipmentId === 'CRASH-1');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      detailType: 'shipment.created',
      detail: { priority: 'STANDARD', version: 1 },
    });
    expect((await deps.store.pendingOutbox(100)).map((e) => e.shipmentId)).not.toContain('CRASH-1');
  });

  it('catches up a projection left behind when the process dies between the audit write and the state write', async () => {
    const { deps, publisher } = testDeps(dynamo.client);
    await submitShipment(
      { body: sampleShipment({ shipmentId: 'CRASH-2' }), correlationId: 'x', mode: 'create' },
      deps,
    );
    const before = await deps.store.get('CRASH-2');
    // Write the next audit event by hand, as a writer that died before projecting it would leave it.
    const { store } = deps;
    const event = {
      shipmentId: 'CRASH-2',
      seq: 2,
      eventId: 'crash-evt',
      type: 'shipment.cancelled',
      version: 1,
      status: 'CANCELLED',
      correlationId: 'y',
      occurredAt: new Date(deps.clock.now()).toISOString(),
      patch: { statusReason: 'stopped' },
      outbox: { detailType: 'shipment.cancelled', detail: { shipmentId: 'CRASH-2', priority: 'STANDARD' } },
    };
    await dynamo.client.send(
      new PutCommand({
        TableName: SHIPMENTS_TABLE.id,
        Item: {
          pk: 'SHIPMENT#CRASH-2',
          sk: 'EVT#0000000002',
          seq: 2,
          event,
          outboxShard: 'OUTBOX#0',
          outboxKey: `${event.occurredAt}#CRASH-2#2`,
        },
      }),
    );
    expect(before?.status).toBe('QUEUED');
    const after = await store.get('CRASH-2');
    expect(after).toMatchObject({ status: 'CANCELLED', revision: 2, statusReason: 'stopped' });
    // A writer still holding the old state loses: its revision is taken.
    await expect(
      commit(deps, before, {
        type: 'shipment.updated',
        status: 'QUEUED',
        version: 2,
        correlationId: 'z',
        patch: {},
      }),
    ).rejects.toBeInstanceOf(ConcurrencyConflictError);
    // And the relay still announces the crashed writer's event.
    await relayOutbox(deps);
    expect(
      publisher.published.some(
        (m) => m.detailType === 'shipment.cancelled' && m.detail.shipmentId === 'CRASH-2',
      ),
    ).toBe(true);
  });

  it('finds shipments by status, oldest change first', async () => {
    const { deps, clock } = testDeps(dynamo.client);
    await submitShipment(
      { body: sampleShipment({ shipmentId: 'LIST-1', region: 'list' }), correlationId: 'a', mode: 'create' },
      deps,
    );
    await clock.advance(60_000);
    await submitShipment(
      { body: sampleShipment({ shipmentId: 'LIST-2', region: 'list' }), correlationId: 'a', mode: 'create' },
      deps,
    );
    const queued = (await deps.store.listByStatus('QUEUED')).filter((s) => s.region === 'list');
    expect(queued.map((s) => s.shipmentId)).toEqual(['LIST-1', 'LIST-2']);
    const old = (
      await deps.store.listByStatus('QUEUED', { updatedBefore: new Date(clock.now() - 1).toISOString() })
    ).filter((s) => s.region === 'list');
    expect(old.map((s) => s.shipmentId)).toEqual(['LIST-1']);
  });
});
