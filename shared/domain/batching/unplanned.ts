import { SHIPMENT_UNASSIGNED, type ShipmentUnassignedDetail } from '../../schemas/events';
import type { ShipmentState } from '../../schemas/state';
import { isoAt } from '../clock';
import { canTransition } from '../lifecycle';
import { transitionAt } from '../transitions';
import type { BatchingDeps } from './dependencies';
import { serviceDateOf } from './fleet';

/**
 * Gives up a shipment that cannot be planned, so it never leaves the system silently: it becomes
 * STALE with the reason (visible in GET and the audit trail, contract §2), a `shipment.unassigned`
 * event goes on the bus (the SCM callback, contract §3a) and ShipmentsUnassigned is counted (the
 * operations alarm). A newer SCM version re-queues it as usual. Answers the new state, or
 * undefined when the shipment moved on meanwhile (another writer won, or it cannot become STALE).
 */
export async function giveUpShipment(
  state: ShipmentState,
  reason: string,
  deps: Pick<
    BatchingDeps,
    'store' | 'clock' | 'ids' | 'publisher' | 'logger' | 'batches' | 'metrics' | 'fleet'
  >,
  patch: { unassignedWindows?: number } = {},
): Promise<ShipmentState | undefined> {
  if (!canTransition(state.status, 'STALE')) return undefined;
  const plan = await deps.batches
    .getRegionPlan(state.region, serviceDateOf(state, deps.fleet))
    .catch(() => undefined);
  const detail: Omit<ShipmentUnassignedDetail, 'eventId'> = {
    shipmentId: state.shipmentId,
    version: state.version,
    correlationId: state.correlationId,
    region: state.region,
    priority: state.priority,
    reason,
    ...(plan ? { planRevision: plan.revision } : {}),
    occurredAt: isoAt(deps.clock),
  };
  const given = await transitionAt(deps, state, {
    type: 'shipment.unassigned',
    to: 'STALE',
    version: state.version,
    correlationId: state.correlationId,
    patch: { statusReason: reason, route: null, ...patch },
    busEvent: { detailType: SHIPMENT_UNASSIGNED, detail },
  });
  if (!given) return undefined; // another writer moved it first
  deps.metrics.shipmentUnassigned({ region: state.region, priority: state.priority });
  deps.logger.warn('shipment given up: it cannot be planned', {
    shipmentId: state.shipmentId,
    version: state.version,
    region: state.region,
    reason,
  });
  return given.state;
}
