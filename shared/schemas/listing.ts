import { z } from 'zod';
import { ShipmentStatus } from './state';

const REGION = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Query of `GET /v1/shipments` (contract §2a): status, region or serviceDate picks the index;
 * updatedSince bounds its sort key; cursor continues a previous page. Each is a 400 naming it when
 * invalid; at least one of status and region is required (a listing is a Query, never a Scan).
 */
export const ListShipmentsQuery = z
  .strictObject({
    status: ShipmentStatus.optional(),
    region: z.string().regex(REGION, '1-64 characters from A-Z a-z 0-9 _ . -').optional(),
    serviceDate: z.iso.date().optional(),
    updatedSince: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: z.string().min(1).max(2048).optional(),
  })
  .superRefine((q, ctx) => {
    if (!q.status && !q.region)
      ctx.addIssue({
        code: 'custom',
        path: ['status'],
        message: 'status or region is required (serviceDate and updatedSince narrow one of them)',
      });
  });
export type ListShipmentsQuery = z.infer<typeof ListShipmentsQuery>;
