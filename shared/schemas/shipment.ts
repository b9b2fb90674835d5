import { z } from 'zod';
import {
  DYNAMODB_MAX_NESTING,
  firstJsonProblem,
  isStorableNumber,
  STORABLE_NUMBER_MESSAGE,
} from './json-limits';

/** Shipment body accepted by POST /v1/shipments and PUT /v1/shipments/{id} (contract §1). */
export const SHIPMENT_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
export const METADATA_MAX_BYTES = 4 * 1024;

export const Priority = z.enum(['URGENT', 'STANDARD', 'BULK']);
export type Priority = z.infer<typeof Priority>;

export const ServiceLevel = z.enum(['SAME_DAY', 'NEXT_DAY', 'ECONOMY']);
export type ServiceLevel = z.infer<typeof ServiceLevel>;

/**
 * Every number of the body must also be one DynamoDB stores (json-limits.ts): 0, or a magnitude
 * from 1e-130 (5e-324 or 1e-200 are not stored, so they are refused, not rounded).
 */
const storable = <T extends z.ZodNumber>(schema: T) =>
  schema
    .refine(isStorableNumber, { message: STORABLE_NUMBER_MESSAGE })
    .meta({ description: 'a non-zero magnitude below 1e-130 is refused: DynamoDB cannot store it' });

/**
 * How deep `metadata` may nest, the metadata object being level 1. DynamoDB stores 32 levels per
 * item (json-limits.ts) and the deepest copy of the body is the audit event item: `event` (1) →
 * `patch` (2) → `shipment` (3) → `metadata` (4), the same depth as the idempotency record's
 * `data` → `body` → `shipment` → `metadata`. A container at metadata level d sits at item level
 * 3 + d and its scalars at 4 + d, so DynamoDB would take d ≤ 28; 16 leaves 12 levels for the
 * item layout to grow without changing the contract.
 */
export const METADATA_MAX_DEPTH = 16;

/** Opaque SCM metadata, echoed back unchanged: a JSON object (contract §1). */
const metadata = (maxDepth: number) =>
  z
    .unknown()
    .superRefine((value, ctx) => {
      // Before any other check: an iterative walk that stops at the first problem, so a body nested
      // 100,000 levels deep is refused without recursion.
      const problem = firstJsonProblem(value, { maxDepth });
      if (problem) ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path });
    })
    .pipe(
      z
        .record(z.string(), z.unknown())
        .refine((m) => Buffer.byteLength(JSON.stringify(m), 'utf8') <= METADATA_MAX_BYTES, {
          message: `at most ${METADATA_MAX_BYTES} bytes as JSON`,
        }),
    )
    .meta({
      description:
        `Opaque JSON object, echoed back unchanged: at most ${METADATA_MAX_BYTES} bytes as JSON, objects and ` +
        `arrays nested at most ${METADATA_MAX_DEPTH} levels (the metadata object is level 1), no key ` +
        '`__proto__`, every number 0 or of magnitude between 1e-130 and 9.99e125 (what DynamoDB stores).',
    });

/**
 * A time-window timestamp: ISO 8601 with an offset, in a plausible year. A plain sanity bound (the
 * rules relative to now, a window in the past or beyond the planning horizon, are the use case's):
 * year 1, 1970 or 9999 is a data error, never a window to plan.
 */
export const WINDOW_YEARS = { min: 2000, max: 2100 } as const;
const isoTimestamp = z.iso.datetime({ offset: true });
const windowTimestamp = isoTimestamp.refine(
  (t) => {
    // The year as written (its local year); a malformed timestamp is the format check's to report.
    const year = /^\d{4}-/.test(t) ? Number(t.slice(0, 4)) : WINDOW_YEARS.min;
    return year >= WINDOW_YEARS.min && year <= WINDOW_YEARS.max;
  },
  { message: `the year must be between ${WINDOW_YEARS.min} and ${WINDOW_YEARS.max}` },
);

export const ShipmentId = z.string().regex(SHIPMENT_ID_PATTERN, '1-64 characters from A-Z a-z 0-9 _ . -');

/**
 * The body schema. `request` is what the API accepts now (contract §1). `stored` reads bodies
 * already stored, which an earlier, looser version of these rules may have accepted (metadata up to
 * what DynamoDB nests, any window year, any number DynamoDB holds): a stored shipment must stay
 * readable when the API's rules are tightened.
 */
function shipmentBody(rules: 'request' | 'stored') {
  const request = rules === 'request';
  const number = <T extends z.ZodNumber>(schema: T) => (request ? storable(schema) : schema);
  const latitude = number(z.number().min(-90).max(90));
  const longitude = number(z.number().min(-180).max(180));
  const timestamp = request ? windowTimestamp : isoTimestamp;
  return z
    .strictObject({
      shipmentId: ShipmentId,
      version: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
      region: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, '1-64 characters from A-Z a-z 0-9 _ . -'),
      serviceLevel: ServiceLevel,
      priority: Priority.optional(),
      origin: z.strictObject({
        depotId: z.string().min(1).max(64),
        lat: latitude,
        lon: longitude,
      }),
      destination: z.strictObject({
        lat: latitude,
        lon: longitude,
        address: z.string().max(512).optional(),
      }),
      timeWindow: z
        .strictObject({
          start: timestamp,
          end: timestamp,
        })
        .refine((w) => Date.parse(w.end) > Date.parse(w.start), {
          message: 'end must be after start',
          path: ['end'],
        })
        .optional(),
      serviceMinutes: number(z.number().min(0).max(1440)).optional(),
      weightKg: number(z.number().positive().max(100_000)),
      volumeM3: number(z.number().positive().max(1_000)).optional(),
      declaredValue: number(z.number().min(0).max(1e12)).optional(),
      currency: z
        .string()
        .regex(/^[A-Z]{3}$/, 'ISO 4217 code, three capital letters')
        .optional(),
      metadata: metadata(request ? METADATA_MAX_DEPTH : DYNAMODB_MAX_NESTING).optional(),
    })
    .refine((s) => s.declaredValue === undefined || s.currency !== undefined, {
      message: 'currency is required with declaredValue',
      path: ['currency'],
    });
}

export const ShipmentBody = shipmentBody('request');
export type ShipmentBody = z.infer<typeof ShipmentBody>;
/** A body as stored in a shipment's state and audit trail (see `shipmentBody`). */
export const StoredShipmentBody = shipmentBody('stored');

/** Body of POST /v1/shipments/{id}/cancel: everything optional. */
export const CancelBody = z.strictObject({
  reason: z.string().max(512).optional(),
  version: z.int().min(1).optional(),
});
export type CancelBody = z.infer<typeof CancelBody>;
