import { describe, expect, it } from 'vitest';
import { bodyHash, canonicalJson, decideVersion } from '../../shared/domain/versioning';
import type { ShipmentState } from '../../shared/schemas/state';
import { sampleShipment } from '../support/arbitraries';

const stored = (overrides: Partial<ShipmentState> = {}): ShipmentState => {
  const shipment = sampleShipment({ version: 3 });
  return {
    shipmentId: shipment.shipmentId,
    version: 3,
    status: 'QUEUED',
    priority: 'STANDARD',
    region: shipment.region,
    shipment,
    bodyHash: bodyHash(shipment),
    correlationId: 'c-1',
    revision: 4,
    receivedAt: '2026-11-26T08:00:00.000Z',
    updatedAt: '2026-11-26T08:00:00.000Z',
    ...overrides,
  };
};

describe('version rules', () => {
  it('creates when nothing is stored', () => {
    expect(decideVersion(undefined, sampleShipment())).toEqual({ kind: 'create' });
  });
  it('updates on a higher version', () => {
    expect(decideVersion(stored(), sampleShipment({ version: 4 }))).toEqual({ kind: 'update' });
  });
  it('replays the same version with the same body, whatever the key order', () => {
    const { shipmentId, ...rest } = sampleShipment({ version: 3 });
    expect(decideVersion(stored(), { ...rest, shipmentId })).toEqual({ kind: 'replay' });
  });
  it('conflicts on the same version with another body, naming the stored version', () => {
    expect(decideVersion(stored(), sampleShipment({ version: 3, weightKg: 99 }))).toEqual({
      kind: 'conflict',
      storedVersion: 3,
    });
  });
  it('conflicts on a lower version', () => {
    expect(decideVersion(stored(), sampleShipment({ version: 2 }))).toEqual({
      kind: 'conflict',
      storedVersion: 3,
    });
  });
  it('conflicts on any new version of a cancelled shipment', () => {
    expect(decideVersion(stored({ status: 'CANCELLED' }), sampleShipment({ version: 9 }))).toEqual({
      kind: 'conflict',
      storedVersion: 3,
    });
  });
  it('hashes canonically: key order does not matter, values do', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
    expect(bodyHash({ a: 1, b: 2 })).toBe(bodyHash({ b: 2, a: 1 }));
    expect(bodyHash({ a: 1 })).not.toBe(bodyHash({ a: 2 }));
  });
});
