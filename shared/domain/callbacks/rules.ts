import { EVENT_SOURCE, ROUTE_OPTIMIZED, ROUTE_UPDATED, SHIPMENT_UNASSIGNED } from '../../schemas/events';
import type { EventPattern } from '../event-rules';

/**
 * The bus rule that starts one callback delivery per route.optimized event, and one per
 * shipment.unassigned and route.updated event (notices: the SCM's answer changes no shipment). The CDK construct
 * turns it into an EventBridge rule targeting the state machine; the local bus evaluates the same
 * object.
 */
export const CALLBACK_DELIVERY_RULE: { name: string; pattern: EventPattern } = {
  name: 'CallbackDelivery',
  pattern: { source: [EVENT_SOURCE], 'detail-type': [ROUTE_OPTIMIZED, SHIPMENT_UNASSIGNED, ROUTE_UPDATED] },
};
