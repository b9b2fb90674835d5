import type { RegionPlan } from '../../schemas/batching';
import type { RoutingInput, RoutingPlan } from '../../solver';
import { isoAt } from '../clock';
import type { BatchingDeps } from './batching-deps';

/** What a re-plan or an insertion computed for the next revision of a day's plan. */
export interface PlanContent {
  input: RoutingInput;
  plan: RoutingPlan;
  routeIds: Record<string, string>;
  batchId: string;
  versions: Record<string, number>;
  dispatched?: RegionPlan['dispatched'];
}

/**
 * The one conditional write of a region's plan for a service date: the revision after `current`
 * (the first one when there is none), written only if `current` is still the stored revision. It
 * keeps when the plan was first written and whether it froze at its dispatch cutoff. Answers the
 * plan written, or undefined when another writer changed the plan first (plan again on the new one).
 */
export async function writeNextPlan(
  region: string,
  serviceDate: string,
  current: RegionPlan | undefined,
  content: PlanContent,
  deps: Pick<BatchingDeps, 'batches' | 'clock'>,
): Promise<RegionPlan | undefined> {
  const next: RegionPlan = {
    region,
    serviceDate,
    revision: (current?.revision ?? 0) + 1,
    updatedAt: isoAt(deps.clock),
    input: content.input,
    plan: content.plan,
    routeIds: content.routeIds,
    batchId: content.batchId,
    ...(content.dispatched ? { dispatched: content.dispatched } : {}),
    versions: content.versions,
    createdAt: current ? (current.createdAt ?? current.updatedAt) : isoAt(deps.clock),
    ...(current?.frozenAt ? { frozenAt: current.frozenAt } : {}),
  };
  return (await deps.batches.putRegionPlan(next)) ? next : undefined;
}
