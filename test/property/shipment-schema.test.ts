import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fieldErrorsOf } from '../../shared/runtime/http/problem';
import { ShipmentBody } from '../../shared/schemas/shipment';
import {
  hostileMetadataArb,
  invalidShipmentArb,
  unstorableFieldArb,
  validShipmentArb,
} from '../support/arbitraries';

describe('ShipmentBody schema (property)', () => {
  it('accepts every generated valid shipment unchanged', () => {
    fc.assert(
      fc.property(validShipmentArb, (body) => {
        const parsed = ShipmentBody.safeParse(body);
        expect(parsed.success).toBe(true);
        expect(parsed.data).toEqual(body);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects every generated invalid shipment and names the offending field', () => {
    fc.assert(
      fc.property(invalidShipmentArb, ({ body, field }) => {
        const parsed = ShipmentBody.safeParse(body);
        expect(parsed.success).toBe(false);
        const fields = fieldErrorsOf(parsed.error?.issues ?? []).map((e) => e.field);
        expect(fields).toContain(field);
      }),
      { numRuns: 300 },
    );
  });

  it('survives a JSON round trip (what crosses the wire is what is validated)', () => {
    fc.assert(
      fc.property(validShipmentArb, (body) => {
        expect(ShipmentBody.parse(JSON.parse(JSON.stringify(body)))).toEqual(
          JSON.parse(JSON.stringify(body)),
        );
      }),
      { numRuns: 100 },
    );
  });

  it('refuses every unstorable number in a numeric field, naming the field', () => {
    fc.assert(
      fc.property(unstorableFieldArb, ({ body, field }) => {
        const parsed = ShipmentBody.safeParse(JSON.parse(JSON.stringify(body)));
        expect(parsed.success).toBe(false);
        expect(fieldErrorsOf(parsed.error?.issues ?? []).map((e) => e.field)).toContain(field);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses hostile metadata (deep, unstorable numbers, __proto__), naming the exact path, without recursion', () => {
    fc.assert(
      fc.property(validShipmentArb, hostileMetadataArb, (valid, { metadata, field }) => {
        const parsed = ShipmentBody.safeParse({ ...valid, metadata });
        expect(parsed.success).toBe(false);
        expect(fieldErrorsOf(parsed.error?.issues ?? [])).toEqual([{ field, message: expect.any(String) }]);
      }),
      { numRuns: 200 },
    );
  });
});
