import { describe, expect, it } from 'vitest';
import { fieldErrorsOf } from '../../shared/runtime/http/problem';
import { isStorableNumber } from '../../shared/schemas/json-limits';
import { CancelBody, METADATA_MAX_BYTES, ShipmentBody } from '../../shared/schemas/shipment';
import { sampleShipment } from '../support/arbitraries';

const errorsOf = (body: unknown) => {
  const parsed = ShipmentBody.safeParse(body);
  return parsed.success ? [] : fieldErrorsOf(parsed.error.issues);
};

describe('ShipmentBody', () => {
  it('accepts the contract example', () => {
    expect(
      errorsOf(sampleShipment({ declaredValue: 2500, currency: 'EUR', metadata: { po: 'PO-1' } })),
    ).toEqual([]);
  });

  it('rejects a time window that ends before it starts, on the end field', () => {
    const errors = errorsOf(
      sampleShipment({ timeWindow: { start: '2026-11-26T12:00:00Z', end: '2026-11-26T08:00:00Z' } }),
    );
    expect(errors).toEqual([{ field: 'timeWindow.end', message: 'end must be after start' }]);
  });

  it('enforces the 4 KiB of metadata in bytes of compact JSON, at the boundary', () => {
    const padded = (bytes: number, unit = 'x') => {
      const overhead = Buffer.byteLength(JSON.stringify({ blob: '' }));
      return { blob: unit.repeat((bytes - overhead) / Buffer.byteLength(unit)) };
    };
    expect(Buffer.byteLength(JSON.stringify(padded(METADATA_MAX_BYTES)))).toBe(METADATA_MAX_BYTES);
    expect(errorsOf(sampleShipment({ metadata: padded(METADATA_MAX_BYTES) }))).toEqual([]);
    expect(errorsOf(sampleShipment({ metadata: padded(METADATA_MAX_BYTES + 1) }))).toEqual([
      { field: 'metadata', message: `at most ${METADATA_MAX_BYTES} bytes as JSON` },
    ]);
    // Bytes, not characters: 1,366 three-byte characters are 4,098 bytes.
    expect(errorsOf(sampleShipment({ metadata: padded(METADATA_MAX_BYTES + 1 + 2, '€') })).length).toBe(1);
  });

  it('bounds every number to what DynamoDB stores, at both ends of its range', () => {
    // 9.999999999999998e125 is the largest double below 1e126.
    for (const ok of [0, -0, 1e-130, -1e-130, 9.999999999999998e125, -9.999999999999998e125, 2 ** 60, 0.1])
      expect(isStorableNumber(ok), String(ok)).toBe(true);
    for (const bad of [5e-324, 1e-131, -1e-200, 1e126, 1e200, Number.MAX_VALUE, Number.NaN, Infinity])
      expect(isStorableNumber(bad), String(bad)).toBe(false);
    const body = sampleShipment({
      origin: { depotId: 'D', lat: 1e-200, lon: 18 },
      destination: { lat: 59, lon: -5e-324 },
      weightKg: 5e-324,
      volumeM3: 1e-131,
      serviceMinutes: 1e-300,
      declaredValue: 1e-140,
      currency: 'EUR',
      metadata: { n: 1e200, list: [1, { deep: -1e-150 }] },
    });
    expect(
      errorsOf(body)
        .map((e) => e.field)
        .sort(),
    ).toEqual(
      [
        'declaredValue',
        'destination.lon',
        'metadata.n',
        'origin.lat',
        'serviceMinutes',
        'volumeM3',
        'weightKg',
      ].sort(),
    );
    // Tiny but storable values are accepted (a weight under half a gram plans as 0 g).
    expect(errorsOf(sampleShipment({ weightKg: 1e-6, volumeM3: 1e-9, serviceMinutes: 1e-3 }))).toEqual([]);
  });

  it("refuses absurd years in a time window, naming the field (the rules relative to now are the use case's)", () => {
    const window = (start: string, end: string) => errorsOf(sampleShipment({ timeWindow: { start, end } }));
    for (const year of ['0001', '1970', '1999', '2101', '9999']) {
      expect(window(`${year}-06-01T08:00:00Z`, `${year}-06-01T12:00:00Z`), year).toEqual([
        { field: 'timeWindow.start', message: 'the year must be between 2000 and 2100' },
        { field: 'timeWindow.end', message: 'the year must be between 2000 and 2100' },
      ]);
    }
    expect(window('2026-12-03T08:00:00Z', '9999-12-31T23:59:59Z')).toEqual([
      { field: 'timeWindow.end', message: 'the year must be between 2000 and 2100' },
    ]);
    // The year as written, whatever its offset.
    expect(window('2000-01-01T00:00:00+14:00', '2100-12-31T23:59:00-12:00')).toEqual([]);
    expect(window('2026-13-01T08:00:00Z', '2026-12-01T08:00:00Z').map((e) => e.field)).toContain(
      'timeWindow.start',
    );
  });

  it('rejects metadata over 4 KiB', () => {
    const errors = errorsOf(sampleShipment({ metadata: { blob: 'x'.repeat(4100) } }));
    expect(errors.map((e) => e.field)).toEqual(['metadata']);
  });

  it('rejects a __proto__ key anywhere in metadata, naming its path, instead of dropping it', () => {
    // JSON.parse keeps "__proto__" as an own key; what the API receives is exactly this.
    const top = JSON.parse('{"__proto__": {"isAdmin": true}, "po": "PO-1"}');
    expect(errorsOf(sampleShipment({ metadata: top }))).toEqual([
      { field: 'metadata.__proto__', message: 'the key __proto__ is not accepted' },
    ]);
    const nested = JSON.parse('{"lines": [{"sku": "A"}, {"__proto__": {"polluted": 1}}]}');
    expect(errorsOf(sampleShipment({ metadata: nested })).map((e) => e.field)).toEqual([
      'metadata.lines.1.__proto__',
    ]);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('echoes metadata unchanged, nested values and keys such as constructor included', () => {
    const metadata = { po: 'PO-1', constructor: 'kept', lines: [{ sku: 'A', qty: 2 }], nested: { a: null } };
    const parsed = ShipmentBody.parse(sampleShipment({ metadata }));
    expect(parsed.metadata).toEqual(metadata);
  });

  it('requires a currency with a declared value', () => {
    expect(errorsOf(sampleShipment({ declaredValue: 100 })).map((e) => e.field)).toEqual(['currency']);
  });

  it('lists every unknown field by name', () => {
    const errors = errorsOf({ ...sampleShipment(), colour: 'red', size: 3 });
    expect(errors).toEqual([
      { field: 'colour', message: 'unknown field' },
      { field: 'size', message: 'unknown field' },
    ]);
  });

  it('lists every missing required field', () => {
    const fields = errorsOf({}).map((e) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'shipmentId',
        'version',
        'region',
        'serviceLevel',
        'origin',
        'destination',
        'weightKg',
      ]),
    );
  });

  it('accepts an empty cancel body and rejects unknown cancel fields', () => {
    expect(CancelBody.safeParse({}).success).toBe(true);
    expect(CancelBody.safeParse({ why: 'x' }).success).toBe(false);
  });
});
