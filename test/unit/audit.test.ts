import { describe, expect, it } from 'vitest';
import { applyEvent, rebuildState } from '../../shared/domain/audit';
import { InternalError } from '../../shared/domain/errors';
import { bodyHash } from '../../shared/domain/versioning';
import type { AuditEvent } from '../../shared/schemas/state';
import { sampleShipment } from '../support/arbitraries';

const shipment = sampleShipment();
const created: AuditEvent = {
  shipmentId: shipment.shipmentId,
  seq: 1,
  eventId: 'e1',
  type: 'shipment.created',
  version: 1,
  status: 'QUEUED',
  correlationId: 'c1',
  occurredAt: '2026-11-26T08:00:00.000Z',
  patch: {
    shipment,
    bodyHash: bodyHash(shipment),
    priority: 'STANDARD',
    region: shipment.region,
    route: null,
  },
};
const route = {
  routeId: 'R1',
  vehicleId: 'V1',
  sequence: 2,
  stops: 5,
  eta: '2026-11-26T09:00:00.000Z',
  batchId: 'B1',
  optimizedAt: '2026-11-26T08:10:00.000Z',
};

describe('audit trail reducer', () => {
  it('rebuilds the state from the events alone', () => {
    const events: AuditEvent[] = [
      created,
      { ...created, seq: 2, eventId: 'e2', type: 'shipment.optimizing', status: 'OPTIMIZING', patch: {} },
      {
        ...created,
        seq: 3,
        eventId: 'e3',
        type: 'shipment.optimized',
        status: 'OPTIMIZED',
        correlationId: 'c2',
        patch: { route },
      },
    ];
    const state = rebuildState(events);
    expect(state).toMatchObject({
      status: 'OPTIMIZED',
      revision: 3,
      route,
      correlationId: 'c2',
      receivedAt: created.occurredAt,
    });
  });
  it('clears a route with null and keeps it when absent', () => {
    const s1 = applyEvent(applyEvent(undefined, created), { ...created, seq: 2, patch: { route } });
    expect(applyEvent(s1, { ...created, seq: 3, patch: {} }).route).toEqual(route);
    expect(applyEvent(s1, { ...created, seq: 3, patch: { route: null } }).route).toBeUndefined();
  });
  it('refuses a gap in the sequence', () => {
    const s1 = applyEvent(undefined, created);
    expect(() => applyEvent(s1, { ...created, seq: 3 })).toThrow(InternalError);
  });
});
