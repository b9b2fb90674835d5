import { describe, expect, it } from 'vitest';
import { acceptShipment } from '../../shared/domain/batching/accept-shipment';
import { submitShipment } from '../../shared/domain/use-cases/shipments';
import { sampleShipment } from '../support/arbitraries';
import { batchingDeps } from '../support/batching-deps';
import { dynamoForSuite } from '../support/dynamo';

const dynamo = dynamoForSuite();

/**
 * An URGENT shipment is held (RECEIVED, announced nowhere) while its API call inserts it in real
 * time. When that call dies after the hold (kill -9, a Lambda timeout), the SCM got no answer and
 * sends the same version again: that call must do the insertion, or the shipment stays RECEIVED
 * forever (found in the fault tier: kill -9 under load left one RECEIVED after the restart).
 */
describe('an URGENT shipment sent again while it is still held', () => {
  const urgent = (shipmentId: string) =>
    sampleShipment({
      shipmentId,
      region: 'replay-1',
      serviceLevel: 'SAME_DAY',
      timeWindow: undefined,
      origin: { depotId: 'REP-1', lat: 59.33, lon: 18.06 },
      destination: { lat: 59.35, lon: 18.1 },
    });

  it('after the whole real-time budget: the replay inserts it (200 OPTIMIZED), once', async () => {
    const w = batchingDeps(dynamo.client);
    const body = urgent('URG-REPLAY-1');
    // The call that died: it held the shipment and got no further.
    const held = await submitShipment({ body, correlationId: 'c-1', mode: 'create', hold: true }, w.deps);
    expect(held.state.status).toBe('RECEIVED');
    await w.clock.advance(w.deps.settings.urgentBudgetMs + 1_000);

    const replay = await acceptShipment({ body, correlationId: 'c-2', mode: 'create' }, w.deps);
    expect(replay.outcome).toBe('replayed');
    expect(replay.realtime?.kind).toBe('optimized');
    expect(replay.state.status).toBe('OPTIMIZED');
    expect((await w.deps.store.get(body.shipmentId))?.status).toBe('OPTIMIZED');
    const types = (await w.deps.store.events(body.shipmentId)).map((e) => e.type);
    expect(types).toEqual(['shipment.created', 'shipment.optimizing', 'shipment.optimized']);

    // A third send is a plain replay of the optimized state: nothing written.
    const again = await acceptShipment({ body, correlationId: 'c-3', mode: 'create' }, w.deps);
    expect(again.realtime).toBeUndefined();
    expect(again.state.status).toBe('OPTIMIZED');
    expect(await w.deps.store.events(body.shipmentId)).toHaveLength(3);
  });

  it('within the budget: left to the call that holds it (it may still be inserting it)', async () => {
    const w = batchingDeps(dynamo.client);
    const body = urgent('URG-REPLAY-2');
    await submitShipment({ body, correlationId: 'c-1', mode: 'create', hold: true }, w.deps);
    await w.clock.advance(1_000);
    const replay = await acceptShipment({ body, correlationId: 'c-2', mode: 'create' }, w.deps);
    expect(replay.outcome).toBe('replayed');
    expect(replay.realtime).toBeUndefined();
    expect(replay.state.status).toBe('RECEIVED');
    expect(await w.deps.store.events(body.shipmentId)).toHaveLength(1);
  });
});
