import { describe, expect, it } from 'vitest';
import { fieldErrorsOf } from '../../shared/runtime/http/problem';
import { CancelBody, ShipmentBody } from '../../shared/schemas/shipment';
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
