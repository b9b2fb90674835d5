import fc from 'fast-check';
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
  it('refuses any new version of a cancelled shipment as cancelled, not as an old version', () => {
    expect(decideVersion(stored({ status: 'CANCELLED' }), sampleShipment({ version: 9 }))).toEqual({
      kind: 'cancelled',
      storedVersion: 3,
    });
  });
  it('hashes canonically: key order does not matter, values do', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
    expect(bodyHash({ a: 1, b: 2 })).toBe(bodyHash({ b: 2, a: 1 }));
    expect(bodyHash({ a: 1 })).not.toBe(bodyHash({ a: 2 }));
  });

  it('writes the canonical JSON of the recursive definition, so stored body hashes still match', () => {
    // The definition the stored hashes were computed with.
    const recursive = (value: unknown): string => {
      if (Array.isArray(value)) return `[${value.map(recursive).join(',')}]`;
      if (value !== null && typeof value === 'object') {
        const entries = Object.entries(value as Record<string, unknown>)
          .filter(([, v]) => v !== undefined)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${recursive(v)}`).join(',')}}`;
      }
      return JSON.stringify(value);
    };
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        expect(canonicalJson(value)).toBe(recursive(value));
      }),
      { numRuns: 500 },
    );
    expect(canonicalJson(sampleShipment())).toBe(recursive(sampleShipment()));
    expect(canonicalJson({ a: undefined, b: [1, undefined, 'x'], c: {} })).toBe(
      recursive({ a: undefined, b: [1, undefined, 'x'], c: {} }),
    );
  });
  it('hashes a value nested 100,000 levels deep without exhausting the call stack', () => {
    const depth = 100_000;
    const deep = JSON.parse(`${'{"a":['.repeat(depth)}1${']}'.repeat(depth)}`);
    const json = canonicalJson(deep);
    expect(json.length).toBe(depth * 8 + 1);
    expect(json.startsWith('{"a":[{"a":[')).toBe(true);
    expect(bodyHash(deep)).toMatch(/^[0-9a-f]{64}$/);
  });
});
