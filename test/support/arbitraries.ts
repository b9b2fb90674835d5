import fc from 'fast-check';
import type { ShipmentBody } from '../../shared/schemas/shipment';

const idChars = fc.constantFrom(
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-'.split(''),
);
export const shipmentIdArb = fc.string({ unit: idChars, minLength: 1, maxLength: 64 });
const isoArb = fc
  .integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-12-31T00:00:00Z') })
  .map((ms) => new Date(Math.floor(ms / 1000) * 1000).toISOString());

/** Valid shipment bodies, every optional field sometimes present. */
/** Metadata keys: any string but `__proto__`, which the schema rejects (see the unit tests). */
const metadataKeyArb = fc.string({ minLength: 1, maxLength: 10 }).filter((k) => k !== '__proto__');

export const validShipmentArb: fc.Arbitrary<ShipmentBody> = fc
  .record(
    {
      shipmentId: shipmentIdArb,
      version: fc.integer({ min: 1, max: 1_000_000 }),
      region: fc.string({ unit: idChars, minLength: 1, maxLength: 20 }),
      serviceLevel: fc.constantFrom('SAME_DAY', 'NEXT_DAY', 'ECONOMY') as fc.Arbitrary<
        ShipmentBody['serviceLevel']
      >,
      priority: fc.constantFrom('URGENT', 'STANDARD', 'BULK') as fc.Arbitrary<
        NonNullable<ShipmentBody['priority']>
      >,
      origin: fc.record({
        depotId: fc.string({ unit: idChars, minLength: 1, maxLength: 10 }),
        lat: fc.double({ min: -90, max: 90, noNaN: true }),
        lon: fc.double({ min: -180, max: 180, noNaN: true }),
      }),
      destination: fc.record(
        {
          lat: fc.double({ min: -90, max: 90, noNaN: true }),
          lon: fc.double({ min: -180, max: 180, noNaN: true }),
          address: fc.string({ maxLength: 80 }),
        },
        { requiredKeys: ['lat', 'lon'] },
      ),
      timeWindow: fc.tuple(isoArb, fc.integer({ min: 60, max: 86_400 })).map(([start, seconds]) => ({
        start,
        end: new Date(Date.parse(start) + seconds * 1000).toISOString(),
      })),
      serviceMinutes: fc.integer({ min: 0, max: 120 }),
      weightKg: fc.double({ min: 0.001, max: 100_000, noNaN: true }),
      volumeM3: fc.double({ min: 0.001, max: 1000, noNaN: true }),
      metadata: fc.dictionary(
        metadataKeyArb,
        fc.oneof(
          fc.string({ maxLength: 20 }),
          fc.integer(),
          fc.dictionary(metadataKeyArb, fc.oneof(fc.string({ maxLength: 20 }), fc.boolean()), { maxKeys: 3 }),
        ),
      ),
    },
    {
      requiredKeys: ['shipmentId', 'version', 'region', 'serviceLevel', 'origin', 'destination', 'weightKg'],
    },
  )
  .map((s) => s as ShipmentBody);

/** A valid body plus one field made invalid, with the field path that must be reported. */
export const invalidShipmentArb: fc.Arbitrary<{ body: Record<string, unknown>; field: string }> = fc
  .tuple(
    validShipmentArb,
    fc.constantFrom(
      { field: 'shipmentId', value: 'has spaces' },
      { field: 'shipmentId', value: '' },
      { field: 'version', value: 0 },
      { field: 'version', value: 1.5 },
      { field: 'version', value: '2' },
      { field: 'serviceLevel', value: 'TOMORROW' },
      { field: 'priority', value: 'HIGH' },
      { field: 'origin.lat', value: 91 },
      { field: 'origin.lon', value: -181 },
      { field: 'destination.lat', value: 'north' },
      { field: 'weightKg', value: 0 },
      { field: 'weightKg', value: -3 },
      { field: 'volumeM3', value: -1 },
      { field: 'serviceMinutes', value: -5 },
      { field: 'unexpected', value: true },
      { field: 'origin.extra', value: 1 },
    ),
  )
  .map(([valid, { field, value }]) => {
    const body = structuredClone(valid) as Record<string, unknown>;
    const parts = field.split('.');
    let target = body;
    for (const p of parts.slice(0, -1)) target = target[p] as Record<string, unknown>;
    target[parts.at(-1) as string] = value;
    return { body, field };
  });

export function sampleShipment(overrides: Partial<ShipmentBody> = {}): ShipmentBody {
  return {
    shipmentId: 'SHP-000123',
    version: 1,
    region: 'eu-north',
    serviceLevel: 'NEXT_DAY',
    origin: { depotId: 'DEPOT-1', lat: 59.33, lon: 18.06 },
    destination: { lat: 59.4, lon: 17.95, address: 'Sveavägen 1' },
    timeWindow: { start: '2026-11-26T08:00:00Z', end: '2026-11-26T12:00:00Z' },
    serviceMinutes: 5,
    weightKg: 12.5,
    volumeM3: 0.08,
    ...overrides,
  };
}
