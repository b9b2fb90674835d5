import type { Priority, ShipmentBody } from '../schemas/shipment';

export interface PriorityPolicy {
  /** Declared value at or above this gives URGENT (in the shipment's currency units). */
  urgentDeclaredValue: number;
}

export const DEFAULT_PRIORITY_POLICY: PriorityPolicy = { urgentDeclaredValue: 10_000 };

/**
 * Contract §1: an explicit priority wins; otherwise SAME_DAY or a declared value at or above the
 * threshold gives URGENT, NEXT_DAY gives STANDARD, ECONOMY gives BULK.
 */
export function derivePriority(
  body: Pick<ShipmentBody, 'priority' | 'serviceLevel' | 'declaredValue'>,
  policy: PriorityPolicy = DEFAULT_PRIORITY_POLICY,
): Priority {
  if (body.priority) return body.priority;
  if (body.serviceLevel === 'SAME_DAY') return 'URGENT';
  if (body.declaredValue !== undefined && body.declaredValue >= policy.urgentDeclaredValue) return 'URGENT';
  return body.serviceLevel === 'NEXT_DAY' ? 'STANDARD' : 'BULK';
}

/** Queue tier of a priority: p0, p1, p2. */
export const PRIORITY_TIER: Readonly<Record<Priority, 'p0' | 'p1' | 'p2'>> = {
  URGENT: 'p0',
  STANDARD: 'p1',
  BULK: 'p2',
};
