import { describe, expect, it } from 'vitest';
import { acceptShipment } from '../../shared/domain/batching/accept-shipment';
import { scaledClock } from '../../shared/domain/clock';
import type { ShipmentStore } from '../../shared/domain/ports';
import { sampleShipment } from '../support/arbitraries';
import { batchingDeps } from '../support/batching-deps';
import { dynamoForSuite } from '../support/dynamo';

const dynamo = dynamoForSuite();

/** Every store call takes `ms` of wall time, like DynamoDB across a network. */
function slowed(store: ShipmentStore, ms: number): ShipmentStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await new Promise((r) => setTimeout(r, ms));
        return value.apply(target, args);
      };
    },
  });
}

describe('the URGENT budget is wall time, whatever the service clock', () => {
  it('at TIME_SCALE=60, 10 store calls of 40 ms (24 s on the clock) leave most of the 10 s budget', async () => {
    const clock = scaledClock(60);
    const base = batchingDeps(dynamo.client, { clock });
    const deps = { ...base.deps, store: slowed(base.deps.store, 40) };
    const body = sampleShipment({
      shipmentId: 'URG-SCALED-1',
      region: 'budget-1',
      serviceLevel: 'SAME_DAY',
      timeWindow: undefined,
      origin: { depotId: 'BUD-1', lat: 59.33, lon: 18.06 },
      destination: { lat: 59.35, lon: 18.1 },
    });
    const wallStart = performance.now();
    const clockStart = clock.now();
    const result = await acceptShipment({ body, correlationId: 'c-budget', mode: 'create' }, deps);
    const wallSpent = performance.now() - wallStart;
    // Well over 10 s went by on the scaled clock, well under 10 s on the wall clock.
    expect(clock.now() - clockStart).toBeGreaterThan(10_000);
    expect(wallSpent).toBeLessThan(10_000);
    expect(result.realtime?.kind).toBe('optimized');
    expect((await deps.store.get('URG-SCALED-1'))?.status).toBe('OPTIMIZED');
  });
});

describe('the 200 of a real-time insertion', () => {
  it('shows the state the call committed, OPTIMIZED with its route, when the callback has already moved it on', async () => {
    const base = batchingDeps(dynamo.client);
    // The callback workflow is quicker than the response: every read after the OPTIMIZED write
    // sees CALLBACK_PENDING (a race no stand-in produces on demand).
    const racing: ShipmentStore = new Proxy(base.deps.store, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop !== 'get' || typeof value !== 'function')
          return typeof value === 'function' ? value.bind(target) : value;
        return async (id: string) => {
          const stored = await value.call(target, id);
          return stored?.status === 'OPTIMIZED' ? { ...stored, status: 'CALLBACK_PENDING' } : stored;
        };
      },
    });
    const deps = { ...base.deps, store: racing };
    const body = sampleShipment({
      shipmentId: 'URG-RACE-1',
      region: 'budget-2',
      serviceLevel: 'SAME_DAY',
      timeWindow: undefined,
      origin: { depotId: 'BUD-2', lat: 59.33, lon: 18.06 },
      destination: { lat: 59.35, lon: 18.1 },
    });
    const result = await acceptShipment({ body, correlationId: 'c-race', mode: 'create' }, deps);
    expect(result.realtime?.kind).toBe('optimized');
    expect(result.state.status).toBe('OPTIMIZED');
    expect(result.state.route?.routeId).toEqual(expect.any(String));
    expect((await racing.get('URG-RACE-1'))?.status).toBe('CALLBACK_PENDING');
  });
});
