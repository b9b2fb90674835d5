import fc from 'fast-check';
import { firstJsonProblem, isStorableNumber } from '../../shared/schemas/json-limits';
import { METADATA_MAX_BYTES, METADATA_MAX_DEPTH, type ShipmentBody } from '../../shared/schemas/shipment';

const idChars = fc.constantFrom(
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-'.split(''),
);
export const shipmentIdArb = fc.string({ unit: idChars, minLength: 1, maxLength: 64 });
const isoArb = fc
  .integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-12-31T00:00:00Z') })
  .map((ms) => new Date(Math.floor(ms / 1000) * 1000).toISOString());

/** Valid shipment bodies, every optional field sometimes present. */
/**
 * Metadata keys: any string but `__proto__`, which the schema rejects (see the unit tests), and
 * often the names of Object.prototype members, which are plain data.
 */
export const PROTOTYPE_NAMES = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];
const metadataKeyArb = fc.oneof(
  fc.string({ minLength: 1, maxLength: 10 }).filter((k) => k !== '__proto__'),
  fc.constantFrom(...PROTOTYPE_NAMES),
);

/** A double in [min, max] that DynamoDB stores: magnitudes below 1e-130 become 0. */
export const storableDouble = (min: number, max: number) =>
  fc.double({ min, max, noNaN: true }).map((x) => (isStorableNumber(x) ? x : 0));

/** Opaque metadata values: scalars (any storable double), lists and objects up to a few levels. */
const metadataValueArb = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ maxLength: 20 }),
    fc.integer(),
    storableDouble(-9.9e125, 9.9e125),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(metadataKeyArb, tie('value'), { maxKeys: 3 }),
  ),
})).value;

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
        lat: storableDouble(-90, 90),
        lon: storableDouble(-180, 180),
      }),
      destination: fc.record(
        {
          lat: storableDouble(-90, 90),
          lon: storableDouble(-180, 180),
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
      metadata: fc
        .dictionary(metadataKeyArb, metadataValueArb, { maxKeys: 6 })
        .filter(
          (m) =>
            firstJsonProblem(m, { maxDepth: METADATA_MAX_DEPTH }) === undefined &&
            Buffer.byteLength(JSON.stringify(m), 'utf8') <= METADATA_MAX_BYTES,
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

/** Numbers JSON carries but DynamoDB cannot store (json-limits.ts). */
export const UNSTORABLE_NUMBERS = [5e-324, 1e-200, -1e-131, 1e126, -1e200, Number.MAX_VALUE];

/** Every numeric field of the body, each given an unstorable number: the field must be named. */
export const unstorableFieldArb: fc.Arbitrary<{ body: Record<string, unknown>; field: string }> = fc
  .tuple(
    validShipmentArb,
    fc.constantFrom(
      'origin.lat',
      'origin.lon',
      'destination.lat',
      'destination.lon',
      'weightKg',
      'volumeM3',
      'serviceMinutes',
      'declaredValue',
    ),
    fc.constantFrom(...UNSTORABLE_NUMBERS),
  )
  .map(([valid, field, value]) => {
    const body = structuredClone(valid) as Record<string, unknown>;
    const parts = field.split('.');
    let target = body;
    for (const p of parts.slice(0, -1)) target = target[p] as Record<string, unknown>;
    target[parts.at(-1) as string] = value;
    if (field === 'declaredValue') body.currency = 'EUR';
    return { body, field };
  });

/**
 * Hostile metadata, each with the exact field path the 400 must name: nesting past the limit (up
 * to thousands of levels, through objects keyed by prototype names and through arrays), an
 * unstorable number somewhere inside, a `__proto__` key somewhere inside (as JSON.parse makes it).
 */
export const hostileMetadataArb: fc.Arbitrary<{ metadata: Record<string, unknown>; field: string }> =
  fc.oneof(
    fc
      .tuple(
        fc.integer({ min: METADATA_MAX_DEPTH + 1, max: 5_000 }),
        fc.array(fc.option(metadataKeyArb, { nil: undefined }), { minLength: 1, maxLength: 8 }),
      )
      .map(([depth, keys]) => {
        // Level 1 is the metadata object itself (always an object); each further level cycles
        // through `keys`, an undefined key meaning an array.
        const steps: (string | number)[] = [];
        for (let level = 2; level <= depth; level++) steps.push(keys[level % keys.length] ?? 0);
        let value: unknown = 'leaf';
        for (let i = steps.length - 1; i >= 0; i--) {
          const step = steps[i] as string | number;
          value = typeof step === 'number' ? [value] : { [step]: value };
        }
        const metadata = { root: value };
        // The first container past the limit is at level METADATA_MAX_DEPTH + 1.
        const field = ['metadata', 'root', ...steps.slice(0, METADATA_MAX_DEPTH - 1)].join('.');
        return { metadata, field };
      }),
    fc
      .tuple(fc.array(metadataKeyArb, { minLength: 0, maxLength: 5 }), fc.constantFrom(...UNSTORABLE_NUMBERS))
      .map(([path, n]) => {
        let value: unknown = n;
        for (let i = path.length - 1; i >= 0; i--) value = { [path[i] as string]: value };
        return { metadata: { po: 'PO-1', n: value }, field: ['metadata', 'n', ...path].join('.') };
      }),
    fc.array(metadataKeyArb, { minLength: 0, maxLength: 5 }).map((path) => {
      let json = '{"__proto__": {"polluted": true}}';
      for (let i = path.length - 1; i >= 0; i--) json = `{${JSON.stringify(path[i])}: ${json}}`;
      return {
        metadata: JSON.parse(`{"po": "PO-1", "x": ${json}}`) as Record<string, unknown>,
        field: ['metadata', 'x', ...path, '__proto__'].join('.'),
      };
    }),
  );
/** Tomorrow 08:00-16:00 UTC from `now`: a window that the API accepts whenever the test runs. */
export function tomorrowWindow(now: number = Date.now()): { start: string; end: string } {
  const day = new Date(now);
  const at = (hour: number) =>
    new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() + 1, hour)).toISOString();
  return { start: at(8), end: at(16) };
}

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
