import type { ShipmentState } from '../../schemas/state';
import { rebuildState } from '../audit';
import { canonicalJson } from '../versioning';
import type { ShipmentDeps } from './dependencies';

export interface ReplayDifference {
  shipmentId: string;
  /** Fields whose stored value differs from the one rebuilt from the trail. */
  fields: { field: string; stored: unknown; rebuilt: unknown }[];
}

export interface ReplayReport {
  checked: number;
  consistent: number;
  differences: ReplayDifference[];
  repaired: number;
}

/**
 * Rebuilds each selected shipment's state from its audit trail alone and compares it with the
 * stored projection, field by field. A projection that is merely behind the trail (a writer died
 * between the two writes) shows as a difference; `repair` catches it up.
 */
export async function replayShipments(
  selector: { shipmentId?: string; region?: string; since?: string },
  deps: Pick<ShipmentDeps, 'store'>,
  options: { repair?: boolean } = {},
): Promise<ReplayReport> {
  const ids = selector.shipmentId
    ? [selector.shipmentId]
    : await deps.store.listShipmentIds({
        ...(selector.region ? { region: selector.region } : {}),
        ...(selector.since ? { updatedSince: selector.since } : {}),
      });
  const report: ReplayReport = { checked: 0, consistent: 0, differences: [], repaired: 0 };
  for (const shipmentId of ids) {
    const [stored, events] = await Promise.all([
      deps.store.readProjection(shipmentId),
      deps.store.events(shipmentId),
    ]);
    if (!stored && events.length === 0) continue;
    report.checked++;
    const rebuilt = rebuildState(events);
    const fields = diff(stored, rebuilt);
    if (fields.length === 0) {
      report.consistent++;
      continue;
    }
    report.differences.push({ shipmentId, fields });
    if (options.repair) {
      await deps.store.get(shipmentId); // catches the projection up from the trail
      report.repaired++;
    }
  }
  return report;
}

function diff(stored: ShipmentState | undefined, rebuilt: ShipmentState | undefined) {
  const keys = new Set([...Object.keys(stored ?? {}), ...Object.keys(rebuilt ?? {})]);
  const out: ReplayDifference['fields'] = [];
  for (const key of [...keys].sort()) {
    const a = (stored as Record<string, unknown> | undefined)?.[key];
    const b = (rebuilt as Record<string, unknown> | undefined)?.[key];
    if (canonicalJson(a) !== canonicalJson(b)) out.push({ field: key, stored: a, rebuilt: b });
  }
  if (!stored && rebuilt) return [{ field: '(state)', stored: undefined, rebuilt: 'present' }];
  return out;
}
