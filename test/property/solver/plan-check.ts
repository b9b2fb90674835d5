/** Independent checker of domain plans, recomputed from the input and the matrix (not solver state). */
import { greatCircleMatrix, type RoutingInput, type RoutingPlan } from '../../../shared/solver';

const REASONS = new Set(['capacity', 'time_window', 'shift', 'no_vehicle', 'unreachable']);

export async function checkPlan(
  input: RoutingInput,
  plan: RoutingPlan,
  earliestDeparture?: number,
): Promise<string[]> {
  const errors: string[] = [];
  const pts = [...input.depots.map((d) => d.location), ...input.shipments.map((s) => s.destination)];
  const m = await greatCircleMatrix().matrix(pts);
  const n = pts.length;
  const dist = m.distances as Int32Array;
  const dur = m.durations as Int32Array;
  const D = input.depots.length;
  const depotIdx = new Map(input.depots.map((d, i) => [d.id, i]));
  const shipIdx = new Map(input.shipments.map((s, i) => [s.id, i]));
  const count = new Map<string, number>();
  let totalCost = 0;
  let totalDist = 0;
  for (const r of plan.routes) {
    const v = input.vehicles.find((x) => x.id === r.vehicleId);
    if (!v) {
      errors.push(`unknown vehicle ${r.vehicleId}`);
      continue;
    }
    if (r.stops.length === 0) errors.push(`${v.id}: empty route reported`);
    let loc = depotIdx.get(v.startDepotId)!;
    let t = r.start;
    let d = 0;
    let w = 0;
    let vol = 0;
    if (r.start < Math.max(v.shiftStart, earliestDeparture ?? v.shiftStart))
      errors.push(`${v.id}: starts before shift`);
    for (const st of r.stops) {
      const i = shipIdx.get(st.shipmentId);
      if (i === undefined) {
        errors.push(`unknown shipment ${st.shipmentId}`);
        continue;
      }
      const s = input.shipments[i]!;
      count.set(s.id, (count.get(s.id) ?? 0) + 1);
      if (s.originDepotId !== v.startDepotId)
        errors.push(`${s.id}: loaded at ${s.originDepotId}, vehicle from ${v.startDepotId}`);
      const l = D + i;
      d += dist[loc * n + l]!;
      t += dur[loc * n + l]!;
      if (st.arrival !== t) errors.push(`${s.id}: arrival ${st.arrival} != ${t}`);
      const begin = Math.max(t, s.timeWindow?.start ?? t);
      if (s.timeWindow && begin > s.timeWindow.end)
        errors.push(`${s.id}: late by ${begin - s.timeWindow.end}s`);
      t = begin + s.serviceSeconds;
      if (st.departure !== t) errors.push(`${s.id}: departure ${st.departure} != ${t}`);
      w += s.weightKg;
      vol += s.volumeM3 ?? 0;
      loc = l;
    }
    const end = depotIdx.get(v.endDepotId ?? v.startDepotId)!;
    d += dist[loc * n + end]!;
    t += dur[loc * n + end]!;
    if (t !== r.end) errors.push(`${v.id}: end ${r.end} != ${t}`);
    if (r.end > v.shiftEnd) errors.push(`${v.id}: ends after shift`);
    if (r.end - r.start > (v.maxRouteSeconds ?? Number.POSITIVE_INFINITY)) errors.push(`${v.id}: too long`);
    if (w > v.capacityWeightKg + 1e-6) errors.push(`${v.id}: weight ${w} > ${v.capacityWeightKg}`);
    if (v.capacityVolumeM3 !== undefined && vol > v.capacityVolumeM3 + 1e-6)
      errors.push(`${v.id}: volume over`);
    if (d !== r.distanceMeters) errors.push(`${v.id}: distance ${r.distanceMeters} != ${d}`);
    if (r.end - r.start !== r.durationSeconds) errors.push(`${v.id}: duration mismatch`);
    const cost = v.fixedCost + (v.costPerKm * d) / 1000 + (v.costPerHour * (r.end - r.start)) / 3600;
    if (Math.abs(cost - r.cost) > 1e-6) errors.push(`${v.id}: cost ${r.cost} != ${cost}`);
    totalCost += cost;
    totalDist += d;
  }
  for (const u of plan.unassigned) {
    count.set(u.shipmentId, (count.get(u.shipmentId) ?? 0) + 1);
    if (!REASONS.has(u.reason)) errors.push(`${u.shipmentId}: bad reason ${u.reason}`);
  }
  for (const s of input.shipments) {
    if (count.get(s.id) !== 1) errors.push(`${s.id}: appears ${count.get(s.id) ?? 0} times`);
  }
  if (Math.abs(totalCost - plan.cost) > 1e-6) errors.push(`plan cost ${plan.cost} != ${totalCost}`);
  if (totalDist !== plan.distanceMeters) errors.push('plan distance mismatch');
  if (plan.vehiclesUsed !== plan.routes.length) errors.push('vehiclesUsed mismatch');
  return errors;
}
