import type { DeliveryInput } from '../../schemas/callbacks';
import type { AuditEvent, ShipmentState, ShipmentStatus } from '../../schemas/state';
import { rebuildState } from '../audit';
import type { CallbackStore, DeliveryStarter } from '../callbacks/ports';
import { isoAt } from '../clock';
import { ConfigurationError } from '../errors';
import { callbackOf, executionName, startDeliveryOnce } from '../operations/callback-redrive';
import { transitionAt } from '../transitions';
import { canonicalJson } from '../versioning';
import type { ShipmentDeps } from './shipment-deps';

export interface ReplaySelector {
  shipmentId?: string;
  region?: string;
  /** ISO date-times, both inclusive: the shipments whose last change is in this range. */
  since?: string;
  until?: string;
}

export interface ReplayDifference {
  shipmentId: string;
  /** Fields whose stored value differs from the one rebuilt from the trail. */
  fields: { field: string; stored: unknown; rebuilt: unknown }[];
}

/**
 * What a re-drive does to one shipment: `requeue` publishes it again onto its priority queue (as
 * `shipment.requeued`, like the pipeline); `resume-callback` restarts its pending delivery;
 * `resend-callback` sends its settled callback again. All keep the same webhook-id and version.
 */
export type RedriveAction = 'requeue' | 'resume-callback' | 'resend-callback';

export interface RedriveItem {
  shipmentId: string;
  version: number;
  status: ShipmentStatus;
  action: RedriveAction;
  /**
   * `planned`: what --redrive would do (no change made); `done`; `already`: re-driven before (by
   * an earlier or overlapping run) and not moved on since, so not again; `skipped`: nothing to
   * do safely (reason says why); `error`: the remedy failed (logged), a next run finds it again.
   */
  outcome: 'planned' | 'done' | 'already' | 'skipped' | 'error';
  reason: string;
  webhookId?: string;
}

export interface ReplayReport {
  selector: ReplaySelector;
  startedAt: string;
  finishedAt: string;
  checked: number;
  consistent: number;
  differences: ReplayDifference[];
  repaired: number;
  redrive: {
    /** False: a dry listing of what --redrive would do. */
    applied: boolean;
    requeued: number;
    resumed: number;
    resent: number;
    already: number;
    skipped: number;
    errors: number;
    items: RedriveItem[];
  };
}

export interface ReplayOptions {
  /** Catch each projection that is behind its trail up. */
  repair?: boolean;
  /** Re-drive what is found (re-queue, re-send); without it the report lists what it would do. */
  redrive?: boolean;
  /** Also re-send the callback of ROUTE_APPLIED shipments (the operator wants it sent again). */
  resendApplied?: boolean;
  /**
   * A pending callback untouched for less than this is left to the delivery that is driving it
   * (default 20 min: beyond the whole retry schedule, as the hourly reconciliation).
   */
  callbackIdleMs?: number;
  onProgress?: (done: number, total: number) => void;
}

/** What replay needs; re-driving also needs the bus, the callback records and the delivery starter. */
export type ReplayDeps = Pick<ShipmentDeps, 'store' | 'clock'> &
  Partial<Pick<ShipmentDeps, 'publisher' | 'ids' | 'logger'>> & {
    callbacks?: Pick<CallbackStore, 'get'>;
    deliveries?: DeliveryStarter;
  };

type RedriveDeps = Pick<ShipmentDeps, 'store' | 'clock' | 'publisher' | 'ids' | 'logger'> & {
  callbacks: Pick<CallbackStore, 'get'>;
  deliveries: DeliveryStarter;
};

const DEFAULT_CALLBACK_IDLE_MS = 20 * 60_000;
const REQUEUE_REASON = 'replay:';
const MAX_ITEMS_IN_REPORT = 1000;

/**
 * Rebuilds each selected shipment's state from its audit trail alone and compares it with the
 * stored projection, field by field; a projection merely behind its trail shows as a difference
 * and `repair` catches it up. The selection is read by index (never a Scan): one shipment, a
 * region, a time range of last changes, or a region within a time range.
 *
 * Then, from the state the trail says, what should move and did not (README "Replay"):
 *  - QUEUED, STALE or OPTIMIZING → re-queued: QUEUED again, `shipment.requeued` on the bus, which
 *    routes it to its priority queue like every shipment event (conditional on the revision read:
 *    one of two overlapping runs wins; a QUEUED shipment a replay re-queued and nobody took since
 *    is not re-queued again);
 *  - CALLBACK_PENDING whose delivery is idle (its record untouched for `callbackIdleMs`) → its
 *    delivery resumed with the same webhook-id (one execution name per record revision);
 *  - CALLBACK_FAILED, and ROUTE_APPLIED with `resendApplied` → the settled callback re-sent with
 *    the same webhook-id for the same version, once per shipment revision (`resend` key
 *    `replay-r{revision}`, checked by the delivery itself): running the re-drive twice does not
 *    send it twice.
 */
export async function replayShipments(
  selector: ReplaySelector,
  deps: ReplayDeps,
  options: ReplayOptions = {},
): Promise<ReplayReport> {
  const redriving = options.redrive === true;
  const redriveDeps = redriving ? requireRedriveDeps(deps) : undefined;
  const ids = selector.shipmentId
    ? [selector.shipmentId]
    : await deps.store.listShipmentIds({
        ...(selector.region ? { region: selector.region } : {}),
        ...(selector.since ? { updatedSince: selector.since } : {}),
        ...(selector.until ? { updatedUntil: selector.until } : {}),
      });
  const report: ReplayReport = {
    selector,
    startedAt: isoAt(deps.clock),
    finishedAt: '',
    checked: 0,
    consistent: 0,
    differences: [],
    repaired: 0,
    redrive: {
      applied: redriving,
      requeued: 0,
      resumed: 0,
      resent: 0,
      already: 0,
      skipped: 0,
      errors: 0,
      items: [],
    },
  };
  const add = (item: RedriveItem) => {
    const r = report.redrive;
    if (item.outcome === 'done') {
      if (item.action === 'requeue') r.requeued++;
      else if (item.action === 'resume-callback') r.resumed++;
      else r.resent++;
    } else if (item.outcome === 'already') r.already++;
    else if (item.outcome === 'skipped') r.skipped++;
    else if (item.outcome === 'error') r.errors++;
    if (r.items.length < MAX_ITEMS_IN_REPORT) r.items.push(item);
  };
  let done = 0;
  for (const shipmentId of ids) {
    const [stored, events] = await Promise.all([
      deps.store.readProjection(shipmentId),
      deps.store.events(shipmentId),
    ]);
    options.onProgress?.(++done, ids.length);
    if (!stored && events.length === 0) continue;
    report.checked++;
    const rebuilt = rebuildState(events);
    const fields = diff(stored, rebuilt);
    if (fields.length === 0) report.consistent++;
    else {
      report.differences.push({ shipmentId, fields });
      if (options.repair) {
        await deps.store.get(shipmentId); // catches the projection up from the trail
        report.repaired++;
      }
    }
    if (!rebuilt) continue;
    const item = await redriveOne(rebuilt, events, deps, redriveDeps, options);
    if (item) add(item);
  }
  report.finishedAt = isoAt(deps.clock);
  return report;
}

/** What to do for one shipment (its state as the trail says), and, when re-driving, doing it. */
async function redriveOne(
  state: ShipmentState,
  events: AuditEvent[],
  deps: ReplayDeps,
  redrive: RedriveDeps | undefined,
  options: ReplayOptions,
): Promise<RedriveItem | undefined> {
  const base = { shipmentId: state.shipmentId, version: state.version, status: state.status };
  if (state.status === 'QUEUED' || state.status === 'STALE' || state.status === 'OPTIMIZING') {
    const item: RedriveItem = {
      ...base,
      action: 'requeue',
      outcome: 'planned',
      reason: `${state.status} since ${state.updatedAt}: published again onto its ${state.priority} queue`,
    };
    const last = events.at(-1);
    if (
      state.status === 'QUEUED' &&
      last?.type === 'shipment.requeued' &&
      last.patch.statusReason?.startsWith(REQUEUE_REASON)
    )
      return {
        ...item,
        outcome: 'already',
        reason: `re-queued by a replay at ${last.occurredAt} and not taken since: left to its queue`,
      };
    if (!redrive) return item;
    return requeue(state, item, redrive);
  }

  const resend =
    state.status === 'CALLBACK_FAILED' || (state.status === 'ROUTE_APPLIED' && options.resendApplied);
  if (state.status !== 'CALLBACK_PENDING' && !resend) return undefined;
  if (!deps.callbacks) return undefined; // a listing without callback records (no CALLBACKS_TABLE)
  const { webhookId, record } = await callbackOf(state, { store: deps.store, callbacks: deps.callbacks });
  const skipped = (action: RedriveAction, reason: string): RedriveItem => ({
    ...base,
    action,
    outcome: 'skipped',
    reason,
    ...(webhookId ? { webhookId } : {}),
  });
  const defaultAction: RedriveAction =
    state.status === 'CALLBACK_PENDING' ? 'resume-callback' : 'resend-callback';
  if (!webhookId || !record)
    return skipped(defaultAction, 'no callback record for this version: its delivery never started');
  if (record.mode === 'shadow') return skipped(defaultAction, 'its callback is a shadow copy (rollout)');

  if (record.status === 'PENDING' || record.status === 'IN_PROGRESS') {
    const idleMs = deps.clock.now() - Date.parse(record.updatedAt);
    if (idleMs < (options.callbackIdleMs ?? DEFAULT_CALLBACK_IDLE_MS))
      return skipped(
        'resume-callback',
        `callback ${record.status} since ${record.updatedAt}: its delivery is running, left to it`,
      );
    const item: RedriveItem = {
      ...base,
      action: 'resume-callback',
      outcome: 'planned',
      webhookId,
      reason: `callback ${record.status}, idle since ${record.updatedAt}: delivery resumed with its webhook-id`,
    };
    if (!redrive) return item;
    return start(item, { resume: { webhookId } }, executionName('replay', webhookId, record.rev), redrive);
  }

  // COMPLETED or FAILED: sent again, once per shipment revision.
  const key = `replay-r${state.revision}`;
  const item: RedriveItem = {
    ...base,
    action: 'resend-callback',
    outcome: 'planned',
    webhookId,
    reason: `${state.status}, callback ${record.status}${record.outcome ? ` (${record.outcome})` : ''}: re-sent with its webhook-id for v${state.version}`,
  };
  if (record.resentFor === key)
    return { ...item, outcome: 'already', reason: `re-sent already for revision ${state.revision} (${key})` };
  if (!redrive) return item;
  return start(item, { resend: { webhookId, key } }, executionName('replay', webhookId, key), redrive);
}

/** QUEUED again and announced, conditional on the revision the trail showed. */
async function requeue(state: ShipmentState, item: RedriveItem, deps: RedriveDeps): Promise<RedriveItem> {
  const current = await deps.store.get(state.shipmentId); // caught up from the trail
  if (!current || current.revision !== state.revision || current.status !== state.status)
    return { ...item, outcome: 'skipped', reason: 'changed meanwhile: left as it is now' };
  try {
    const written = await transitionAt(deps, current, {
      type: 'shipment.requeued',
      to: 'QUEUED',
      version: current.version,
      correlationId: current.correlationId,
      patch: {
        statusReason: `${REQUEUE_REASON} re-driven from ${current.status}`,
        ...(current.status === 'STALE' ? { unassignedWindows: null } : {}),
      },
      busEvent: 'shipment.requeued',
    });
    if (!written)
      return { ...item, outcome: 'already', reason: 'another writer moved it first (an overlapping run)' };
    return { ...item, outcome: 'done' };
  } catch (error) {
    deps.logger.warn('replay re-queue failed', { shipmentId: state.shipmentId, error: String(error) });
    return { ...item, outcome: 'error', reason: String(error) };
  }
}

async function start(
  item: RedriveItem,
  input: DeliveryInput,
  name: string,
  deps: RedriveDeps,
): Promise<RedriveItem> {
  try {
    const started = await startDeliveryOnce(deps.deliveries, input, name);
    return started === 'started'
      ? { ...item, outcome: 'done' }
      : { ...item, outcome: 'already', reason: `execution ${name} exists: started by an earlier run` };
  } catch (error) {
    deps.logger.warn('replay delivery not started', { webhookId: item.webhookId, error: String(error) });
    return { ...item, outcome: 'error', reason: String(error) };
  }
}

function requireRedriveDeps(deps: ReplayDeps): RedriveDeps {
  const { publisher, ids, logger, callbacks, deliveries } = deps;
  if (!publisher || !ids || !logger || !callbacks || !deliveries)
    throw new ConfigurationError(
      're-driving needs the event bus, the callback records and the delivery starter',
    );
  return { ...deps, publisher, ids, logger, callbacks, deliveries };
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
