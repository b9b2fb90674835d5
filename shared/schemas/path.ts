import { z } from 'zod';
import { SHIPMENT_ID_PATTERN, ShipmentId } from './shipment';

/**
 * Path parameters, validated like bodies: an id that cannot exist (bad percent-encoding passed
 * through raw, a lone surrogate, 5,000 characters) is a 400 naming the parameter, never a lookup.
 */
export const ShipmentPath = z.object({ shipmentId: ShipmentId });

/** Route ids are generated (UUIDs); the same character set as shipment ids. */
export const RoutePath = z.object({
  routeId: z.string().regex(SHIPMENT_ID_PATTERN, '1-64 characters from A-Z a-z 0-9 _ . -'),
});
