import type { RegionPlan } from '../../schemas/batching';
import type { RouteAssignment } from '../../schemas/state';
import type { RoutingPlan } from '../../solver';
import { addDays, calendarOf, dispatchCutoffOf, localDateOf } from '../calendar';
import { isoAt } from '../clock';
import { ownEntry } from '../lookup';
import type { BatchingDeps } from './batching-deps';
import { announceAssignment, ROUTED } from './route-changes';

/** How often the cutoff runs (EventBridge Scheduler in AWS, the service clock locally). */
export const DISPATCH_CUTOFF_EVERY_MINUTES = 5;

const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

export interface CutoffReport {
  /** Plans this run froze (region/date@revision). */
  frozen: string[];
  /** Final callbacks this run sent. */
  finals: number;
}

/**
 * The dispatch cutoff (contract §3a), run by a schedule (EventBridge Scheduler in AWS, a tick on
 * the service clock locally): every plan whose cutoff has passed is frozen (the `frozenAt` header
 * flag, written as its next revision: one writer wins) and each shipment on its routes gets one
 * final callback, `shipment.route_updated` with `final: true` (`shipment.route_optimized` with
 * `final: true` for one whose assignment was held: `replan.callbacksBeforeCutoff` false). Exactly once: the final assignment
 * is a conditional write on the shipment, and a shipment whose stored assignment is already the
 * final one of this plan is skipped, so a second tick, a duplicate schedule or a run after a crash
 * sends only what is missing. A plan first written after its cutoff (a SAME_DAY plan: its routes
 * freeze when they leave) is not frozen.
 */
export async function freezeDuePlans(deps: BatchingDeps): Promise<CutoffReport> {
  const now = deps.clock.now();
  const report: CutoffReport = { frozen: [], finals: 0 };
  // Cutoffs lie at most 7 days before their date: the dates from yesterday to 8 days ahead.
  const today = localDateOf(now, 'UTC');
  for (let d = -1; d <= 8; d++) {
    const serviceDate = addDays(today, d);
    for (const region of await deps.batches.planRegions(serviceDate)) {
      const cutoff = dispatchCutoffOf(serviceDate, calendarOf(region, deps.fleet));
      if (cutoff > now) continue;
      const plan = await freezePlan(region, serviceDate, cutoff, deps);
      if (!plan) continue;
      if (plan.justFrozen) report.frozen.push(`${region}/${serviceDate}@${plan.plan.revision}`);
      report.finals += await sendFinals(plan.plan, deps);
    }
  }
  if (report.frozen.length > 0 || report.finals > 0) deps.logger.info('dispatch cutoff', { ...report });
  return report;
}

/** The frozen plan (freezing it if this run is the first); undefined when it is not to freeze. */
async function freezePlan(
  region: string,
  serviceDate: string,
  cutoffMs: number,
  deps: BatchingDeps,
): Promise<{ plan: RegionPlan; justFrozen: boolean } | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await deps.batches.getRegionPlan(region, serviceDate);
    if (!current) return undefined;
    if (current.frozenAt) return { plan: current, justFrozen: false };
    const created = Date.parse(current.createdAt ?? current.updatedAt);
    if (current.createdAt && created >= cutoffMs) return undefined; // a plan made after its cutoff
    const frozen: RegionPlan = {
      ...current,
      revision: current.revision + 1,
      updatedAt: isoAt(deps.clock),
      frozenAt: isoAt(deps.clock),
    };
    if (await deps.batches.putRegionPlan(frozen)) return { plan: frozen, justFrozen: true };
  }
  return undefined; // kept changing: the next tick freezes it
}

/** One final callback per shipment of the frozen plan that has not had it; answers how many were sent. */
async function sendFinals(plan: RegionPlan, deps: BatchingDeps): Promise<number> {
  const routing = plan.plan as RoutingPlan;
  const reason = `final: the plan of ${plan.serviceDate} froze at its dispatch cutoff`;
  let sent = 0;
  for (const route of routing.routes) {
    const routeId = ownEntry(plan.routeIds, route.vehicleId);
    if (!routeId) continue;
    for (const [i, stop] of route.stops.entries()) {
      const version = plan.versions ? ownEntry(plan.versions, stop.shipmentId) : undefined;
      const assignment = (batchId: string): RouteAssignment => ({
        routeId,
        vehicleId: route.vehicleId,
        sequence: i + 1,
        stops: route.stops.length,
        eta: iso(stop.arrival),
        batchId,
        optimizedAt: plan.frozenAt ?? plan.updatedAt,
        planRevision: plan.revision,
        final: true,
        serviceDate: plan.serviceDate,
      });
      for (let attempt = 0; attempt < 3; attempt++) {
        const state = await deps.store.get(stop.shipmentId);
        if (!state?.route || state.version !== version || !ROUTED.includes(state.status)) break;
        if (state.route.final) break; // had it (or was inserted after the freeze, final at once)
        if (await announceAssignment(state, assignment(state.route.batchId), reason, deps)) {
          sent++;
          break;
        }
      }
    }
  }
  return sent;
}
