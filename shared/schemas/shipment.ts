import { z } from 'zod';

/** Shipment body accepted by POST /v1/shipments and PUT /v1/shipments/{id} (contract §1). */
export const SHIPMENT_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
export const METADATA_MAX_BYTES = 4 * 1024;

export const Priority = z.enum(['URGENT', 'STANDARD', 'BULK']);
export type Priority = z.infer<typeof Priority>;

export const ServiceLevel = z.enum(['SAME_DAY', 'NEXT_DAY', 'ECONOMY']);
export type ServiceLevel = z.infer<typeof ServiceLevel>;

const latitude = z.number().min(-90).max(90);
const longitude = z.number().min(-180).max(180);

/**
 * Path of the first `__proto__` key anywhere in a JSON value, or undefined. JSON.parse keeps such a key
 * as an own property, but most object code (zod's record parser, Object.assign, `obj[key] = v`) turns it
 * into a prototype change: a record parse would silently drop it, other code could pollute prototypes.
 */
function protoKeyPath(value: unknown, path: string[] = []): string[] | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (key === '__proto__') return [...path, key];
    const found = protoKeyPath(inner, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

/** Opaque SCM metadata, echoed back unchanged: a JSON object of at most 4 KiB, no `__proto__` keys. */
const Metadata = z
  .unknown()
  .superRefine((value, ctx) => {
    const path = protoKeyPath(value);
    if (path) ctx.addIssue({ code: 'custom', message: 'the key __proto__ is not accepted', path });
  })
  .pipe(
    z
      .record(z.string(), z.unknown())
      .refine((m) => Buffer.byteLength(JSON.stringify(m), 'utf8') <= METADATA_MAX_BYTES, {
        message: `at most ${METADATA_MAX_BYTES} bytes as JSON`,
      }),
  );

export const ShipmentId = z.string().regex(SHIPMENT_ID_PATTERN, '1-64 characters from A-Z a-z 0-9 _ . -');

export const ShipmentBody = z
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
        start: z.iso.datetime({ offset: true }),
        end: z.iso.datetime({ offset: true }),
      })
      .refine((w) => Date.parse(w.end) > Date.parse(w.start), {
        message: 'end must be after start',
        path: ['end'],
      })
      .optional(),
    serviceMinutes: z.number().min(0).max(1440).optional(),
    weightKg: z.number().positive().max(100_000),
    volumeM3: z.number().positive().max(1_000).optional(),
    declaredValue: z.number().min(0).max(1e12).optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'ISO 4217 code, three capital letters')
      .optional(),
    metadata: Metadata.optional(),
  })
  .refine((s) => s.declaredValue === undefined || s.currency !== undefined, {
    message: 'currency is required with declaredValue',
    path: ['currency'],
  });
export type ShipmentBody = z.infer<typeof ShipmentBody>;

/** Body of POST /v1/shipments/{id}/cancel: everything optional. */
export const CancelBody = z.strictObject({
  reason: z.string().max(512).optional(),
  version: z.int().min(1).optional(),
});
export type CancelBody = z.infer<typeof CancelBody>;
