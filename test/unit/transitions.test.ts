import { describe, expect, it } from 'vitest';
import { applyEvent } from '../../shared/domain/audit';
import { VirtualClock } from '../../shared/domain/clock';
import { ConcurrencyConflictError, InvalidTransitionError } from '../../shared/domain/errors';
import type { BusMessage, ShipmentRecords } from '../../shared/domain/ports';
import { shipmentStore } from '../../shared/domain/shipment-store';
import {
  commitTransition,
  MAX_TRANSITION_ATTEMPTS,
  type Transition,
  type TransitionDeps,
  transition,
  transitionAt,
} from '../../shared/domain/transitions';
import { bodyHash } from '../../shared/domain/versioning';
import type { AuditEvent, ShipmentState } from '../../shared/schemas/state';
import { sampleShipment } from '../support/arbitraries';

/** ShipmentRecords in memory: persists what it is given, computes nothing (as the port says). */
class MemoryRecords implements ShipmentRecords {
  readonly trails = new Map<string, AuditEvent[]>();
  readonly states = new Map<string, ShipmentState>();
  readonly written: { event: AuditEvent; state: ShipmentState }[] = [];
  /** Runs before each write: a test's concurrent writer. */
  beforeWrite?: (event: AuditEvent) => void;

  async head(id: string) {
    const state = this.states.get(id);
    const after = (this.trails.get(id) ?? []).filter((e) => e.seq > (state?.revision ?? 0));
    return { state, after };
  }
  async write(event: AuditEvent, state: ShipmentState) {
    this.beforeWrite?.(event);
    const trail = this.trails.get(event.shipmentId) ?? [];
    if (trail.length >= event.seq) throw new ConcurrencyConflictError(`seq ${event.seq} is taken`);
    this.trails.set(event.shipmentId, [...trail, event]);
    this.written.push({ event, state });
    await this.saveProjection(state);
  }
  async saveProjection(state: ShipmentState) {
    const stored = this.states.get(state.shipmentId);
    if (!stored || stored.revision < state.revision) this.states.set(state.shipmentId, state);
  }
  async events(id: string) {
    return this.trails.get(id) ?? [];
  }
  async pendingOutbox() {
    return [];
  }
  async markPublished() {}
  async readProjection(id: string) {
    return this.states.get(id);
  }
  async listShipmentIds() {
    return [...this.states.keys()];
  }
  async listByStatus() {
    return [];
  }
  async listShipments() {
    return { items: [] };
  }
}

const shipment = sampleShipment({ shipmentId: 'T-1' });

function setup() {
  const records = new MemoryRecords();
  const published: BusMessage[] = [];
  let conflicts = 0;
  let n = 0;
  const deps: TransitionDeps = {
    store: shipmentStore(records),
    clock: new VirtualClock(),
    ids: { next: () => `e${++n}` },
    publisher: { publish: async (m) => void published.push(...m) },
    logger: { info: () => {}, warn: () => {}, error: () => {} },
    onConcurrencyConflict: () => void conflicts++,
  };
  return { records, deps, published, conflicts: () => conflicts };
}

const created: Transition = {
  type: 'shipment.created',
  to: 'QUEUED',
  version: 1,
  correlationId: 'c1',
  patch: { shipment, bodyHash: bodyHash(shipment), priority: 'STANDARD', region: shipment.region },
  busEvent: 'shipment.created',
};
const optimizing: Transition = {
  type: 'shipment.optimizing',
  to: 'OPTIMIZING',
  version: 1,
  correlationId: 'c1',
  patch: { statusReason: 'optimizing in window W' },
};

/** Another writer appends one event after whatever is stored, as a concurrent process would. */
function concurrentWrite(records: MemoryRecords, type: AuditEvent['type'], status: AuditEvent['status']) {
  const [last] = (records.trails.get('T-1') ?? []).slice(-1);
  if (!last) throw new Error('nothing stored');
  const event: AuditEvent = {
    ...last,
    seq: last.seq + 1,
    eventId: `other-${last.seq}`,
    type,
    status,
    patch: {},
  };
  delete event.outbox;
  records.trails.get('T-1')?.push(event);
}

describe('shipment transitions', () => {
  it('computes the state from the event it appends and has the store persist both', async () => {
    const { records, deps, published } = setup();
    const { state, event } = await commitTransition(deps, undefined, created);
    expect(event).toMatchObject({ shipmentId: 'T-1', seq: 1, type: 'shipment.created', status: 'QUEUED' });
    expect(state).toEqual(applyEvent(undefined, event));
    expect(records.written).toEqual([{ event, state }]);
    // commitTransition alone does not publish: `transition` does, after the commit.
    expect(published).toHaveLength(0);
    const next = await transition(deps, 'T-1', () => ({ write: optimizing }));
    expect(next).toMatchObject({ kind: 'committed', state: { status: 'OPTIMIZING', revision: 2 } });
  });

  it('publishes the outbox message of the event it committed', async () => {
    const { deps, published } = setup();
    await transition(deps, 'T-1', () => ({ write: created }));
    expect(published).toEqual([
      {
        detailType: 'shipment.created',
        detail: expect.objectContaining({ shipmentId: 'T-1', status: 'QUEUED' }),
      },
    ]);
  });

  it('refuses a transition the lifecycle does not allow and writes nothing', async () => {
    const { records, deps } = setup();
    const { state } = await commitTransition(deps, undefined, created);
    await expect(
      commitTransition(deps, state, { ...optimizing, type: 'shipment.route_applied', to: 'ROUTE_APPLIED' }),
    ).rejects.toBeInstanceOf(InvalidTransitionError);
    expect(records.trails.get('T-1')).toHaveLength(1);
    // An event that keeps the status (shipment.route_updated) is not a move of the lifecycle.
    await expect(
      commitTransition(deps, state, { ...optimizing, type: 'shipment.route_updated', to: 'QUEUED' }),
    ).resolves.toMatchObject({ state: { status: 'QUEUED', revision: 2 } });
  });

  it('decides again from the fresh state after losing the optimistic lock, and counts the conflict', async () => {
    const { records, deps, conflicts } = setup();
    const { state } = await commitTransition(deps, undefined, created);
    records.beforeWrite = () => {
      records.beforeWrite = undefined;
      concurrentWrite(records, 'shipment.requeued', 'QUEUED'); // same status: the move still applies
    };
    const seen: number[] = [];
    const outcome = await transition(
      deps,
      'T-1',
      (current) => {
        seen.push(current?.revision ?? 0);
        return current?.status === 'QUEUED' ? { write: optimizing } : { stop: 'moved on' };
      },
      { read: state },
    );
    expect(seen).toEqual([1, 2]);
    expect(outcome).toMatchObject({ kind: 'committed', state: { status: 'OPTIMIZING', revision: 3 } });
    expect(conflicts()).toBe(1);
  });

  it('answers what the caller decides when the fresh state no longer allows the move', async () => {
    const { records, deps } = setup();
    const { state } = await commitTransition(deps, undefined, created);
    records.beforeWrite = () => {
      records.beforeWrite = undefined;
      concurrentWrite(records, 'shipment.cancelled', 'CANCELLED');
    };
    const outcome = await transition(
      deps,
      'T-1',
      (current) => (current?.status === 'QUEUED' ? { write: optimizing } : { stop: current?.status }),
      { read: state },
    );
    expect(outcome).toEqual({ kind: 'stopped', value: 'CANCELLED' });
    expect(records.trails.get('T-1')?.map((e) => e.type)).toEqual(['shipment.created', 'shipment.cancelled']);
  });

  it(`throws the conflict after ${MAX_TRANSITION_ATTEMPTS} lost locks in a row`, async () => {
    const { records, deps, conflicts } = setup();
    await commitTransition(deps, undefined, created);
    let decided = 0;
    records.beforeWrite = () => concurrentWrite(records, 'shipment.requeued', 'QUEUED');
    await expect(
      transition(deps, 'T-1', () => {
        decided++;
        return { write: optimizing };
      }),
    ).rejects.toBeInstanceOf(ConcurrencyConflictError);
    expect(decided).toBe(MAX_TRANSITION_ATTEMPTS);
    expect(conflicts()).toBe(MAX_TRANSITION_ATTEMPTS - 1);
  });

  it('transitionAt writes only from the very state it was given', async () => {
    const { records, deps } = setup();
    const { state } = await commitTransition(deps, undefined, created);
    records.beforeWrite = () => {
      records.beforeWrite = undefined;
      concurrentWrite(records, 'shipment.requeued', 'QUEUED');
    };
    expect(await transitionAt(deps, state, optimizing)).toBeUndefined();
    expect(records.trails.get('T-1')?.map((e) => e.type)).toEqual(['shipment.created', 'shipment.requeued']);
    const fresh = (await deps.store.get('T-1')) as ShipmentState;
    expect(await transitionAt(deps, fresh, optimizing)).toMatchObject({ state: { revision: 3 } });
  });

  it('catches a state item left behind by the trail up on read, and saves it', async () => {
    const { records, deps } = setup();
    await commitTransition(deps, undefined, created);
    concurrentWrite(records, 'shipment.cancelled', 'CANCELLED'); // a writer that died before its state write
    expect((await records.readProjection('T-1'))?.revision).toBe(1);
    const state = await deps.store.get('T-1');
    expect(state).toMatchObject({ status: 'CANCELLED', revision: 2 });
    expect(await records.readProjection('T-1')).toEqual(state);
  });
});
