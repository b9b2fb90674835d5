import type { CallbackRecord } from '../../schemas/callbacks';
import type { ShipmentState } from '../../schemas/state';
import type { BreakerStore, CallbackStore, DeliveryStarter } from '../callbacks/ports';
import { isoAt } from '../clock';
import { transitionAt } from '../transitions';
import type { ShipmentDeps } from '../use-cases/shipment-deps';

/** What the hourly reconciliation looks for (contract §5, README "Reconciliation"). */
export type StuckKind = 'optimizing' | 'queued' | 'received' | 'stale' | 'callback';
export type Remedy = 'requeued' | 'redelivered' | 'flagged';

export interface ReconciliationItem {
  kind: StuckKind;
  shipmentId: string;
  version: number;
  /** What was done, or would be done on a dry run. */
  action: Remedy;
  reason: string;
  webhookId?: string;
}

export interface ReconciliationReport {
  runId: string;
  kind: 'hourly';
  dryRun: boolean;
  /** `busy`: another run held the lease; this one did nothing. */
  outcome: 'completed' | 'busy';
  startedAt: string;
  finishedAt: string;
  found: Record<StuckKind, number>;
  remediated: Record<Remedy, number>;
  /** Found, then changed by someone else before the remedy (not remediated twice). */
  changedMeanwhile: number;
  /** Pending callbacks not stuck but waiting for an open circuit breaker (not counted as found). */
  heldByBreaker: number;
  /** Remedies that failed (logged); the next run finds those shipments again. */
  errors: number;
  items: ReconciliationItem[];
}

/** The lease that keeps overlapping runs apart, and where reports are kept. */
export interface ReconciliationRuns {
  acquire(name: string, owner: string, ttlMs: number): Promise<boolean>;
  release(name: string, owner: string): Promise<void>;
  /** Kept under `RECONCILIATION#{kind}` (hourly or daily). */
  saveReport(report: { kind: 'hourly' | 'daily'; runId: string; startedAt: string }): Promise<void>;
}

export interface ReconcileSettings {
  /** OPTIMIZING longer than this is stuck: re-queued (contract §5: 2 h). */
  optimizingMs: number;
  /** QUEUED longer than this has lost its queue message (two windows and a margin): re-queued. */
  queuedMs: number;
  /** A PENDING callback untouched for longer than the whole retry schedule: re-delivered. */
  callbackMs: number;
  /** How long a run may hold the lease. */
  leaseMs: number;
}

export const DEFAULT_RECONCILE_SETTINGS: ReconcileSettings = {
  optimizingMs: 2 * 3600_000,
  queuedMs: 30 * 60_000,
  // Attempts at 0/+30/+60/+120/+300 s with 10 s timeouts, and a Retry-After up to 900 s.
  callbackMs: 20 * 60_000,
  leaseMs: 15 * 60_000,
};

export interface ReconcileDeps
  extends Pick<ShipmentDeps, 'store' | 'publisher' | 'clock' | 'ids' | 'logger'> {
  callbacks: Pick<CallbackStore, 'listByStatus'>;
  breakers: Pick<BreakerStore, 'get'>;
  /** Restarts a delivery with its webhook-id (`{resume: {webhookId}}`). */
  deliveries: DeliveryStarter;
  runs: ReconciliationRuns;
  metrics: { stuckShipmentsFound(count: number): void };
  settings: ReconcileSettings;
}

export const RECONCILE_LEASE = 'reconcile#hourly';
const MAX_ITEMS_IN_REPORT = 500;

/** All a run found, every kind together (the StuckShipmentsFound metric). */
export const foundTotal = (found: Readonly<Record<string, number>>): number =>
  Object.values(found).reduce((a, b) => a + b, 0);

/**
 * The hourly reconciliation: finds shipments stuck in OPTIMIZING (over 2 h), QUEUED ones whose
 * queue message is gone, RECEIVED ones whose real-time insertion died with its API call, STALE
 * ones left for operations, and callbacks pending beyond the whole retry schedule; re-queues,
 * re-delivers or flags each; counts them; keeps a report. One run at a time holds a conditional
 * lease, and each remedy is a conditional write on the shipment's (or the callback's) revision, so
 * overlapping runs never remediate a shipment twice.
 */
export async function reconcileHourly(
  deps: ReconcileDeps,
  options: { runId: string; dryRun?: boolean; onProgress?: (done: number, total: number) => void },
): Promise<ReconciliationReport> {
  const dryRun = options.dryRun ?? false;
  const startedAt = isoAt(deps.clock);
  const report: ReconciliationReport = {
    runId: options.runId,
    kind: 'hourly',
    dryRun,
    outcome: 'completed',
    startedAt,
    finishedAt: startedAt,
    found: { optimizing: 0, queued: 0, received: 0, stale: 0, callback: 0 },
    remediated: { requeued: 0, redelivered: 0, flagged: 0 },
    changedMeanwhile: 0,
    heldByBreaker: 0,
    errors: 0,
    items: [],
  };
  if (!dryRun && !(await deps.runs.acquire(RECONCILE_LEASE, options.runId, deps.settings.leaseMs))) {
    deps.logger.info('reconciliation skipped: another run holds the lease', { runId: options.runId });
    return { ...report, outcome: 'busy', finishedAt: isoAt(deps.clock) };
  }
  try {
    const now = deps.clock.now();
    const before = (ms: number) => new Date(now - ms).toISOString();
    const [optimizing, queued, received, stale, pending, inProgress] = await Promise.all([
      deps.store.listByStatus('OPTIMIZING', { updatedBefore: before(deps.settings.optimizingMs) }),
      deps.store.listByStatus('QUEUED', { updatedBefore: before(deps.settings.queuedMs) }),
      deps.store.listByStatus('RECEIVED', { updatedBefore: before(deps.settings.queuedMs) }),
      deps.store.listByStatus('STALE', { updatedBefore: before(deps.settings.queuedMs) }),
      deps.callbacks.listByStatus('PENDING', 1000),
      deps.callbacks.listByStatus('IN_PROGRESS', 1000),
    ]);
    const callbackCutoff = before(deps.settings.callbackMs);
    const stuckCallbacks = [...pending, ...inProgress].filter(
      (c) => c.updatedAt < callbackCutoff && c.type !== 'shipment.unassigned',
    );
    const total = optimizing.length + queued.length + received.length + stale.length + stuckCallbacks.length;
    let done = 0;
    const step = () => options.onProgress?.(++done, total);
    const add = (item: ReconciliationItem) => {
      report.found[item.kind]++;
      if (report.items.length < MAX_ITEMS_IN_REPORT) report.items.push(item);
    };

    // Each stuck status with its reason; every one of them is re-queued (QUEUED, announced again).
    const requeueable: {
      kind: StuckKind;
      from: 'OPTIMIZING' | 'QUEUED' | 'RECEIVED';
      listed: ShipmentState[];
      reason: (s: ShipmentState) => string;
    }[] = [
      {
        kind: 'optimizing',
        from: 'OPTIMIZING',
        listed: optimizing,
        reason: (s) => `OPTIMIZING since ${s.updatedAt} (over ${hours(deps.settings.optimizingMs)})`,
      },
      {
        kind: 'queued',
        from: 'QUEUED',
        listed: queued,
        reason: (s) => `QUEUED since ${s.updatedAt}: its queue message is gone (dead-lettered or lost)`,
      },
      // Held for a real-time insertion (URGENT) by an API call that died before it queued or
      // optimized it (a Lambda timeout, a crash): nothing announced it, so only this finds it.
      {
        kind: 'received',
        from: 'RECEIVED',
        listed: received,
        reason: (s) => `RECEIVED since ${s.updatedAt}: its real-time insertion never finished`,
      },
    ];
    for (const { kind, from, listed: states, reason } of requeueable) {
      for (const listed of states) {
        const item: ReconciliationItem = {
          kind,
          shipmentId: listed.shipmentId,
          version: listed.version,
          action: 'requeued',
          reason: reason(listed),
        };
        if (await requeue(listed, from, item.reason, deps, dryRun, report)) add(item);
        step();
      }
    }
    for (const s of stale) {
      add({
        kind: 'stale',
        shipmentId: s.shipmentId,
        version: s.version,
        action: 'flagged',
        reason: `STALE for operations: ${s.statusReason ?? 'no reason recorded'}`,
      });
      report.remediated.flagged++;
      step();
    }
    const breakerOpen = new Map<string, boolean>();
    for (const c of stuckCallbacks) {
      if (!breakerOpen.has(c.endpoint))
        breakerOpen.set(c.endpoint, (await deps.breakers.get(c.endpoint)).state !== 'closed');
      if (breakerOpen.get(c.endpoint)) {
        // Waiting for the SCM to recover is what a delivery should do: not stuck.
        report.heldByBreaker++;
        step();
        continue;
      }
      const item: ReconciliationItem = {
        kind: 'callback',
        shipmentId: c.shipmentId,
        version: c.version,
        action: 'redelivered',
        webhookId: c.webhookId,
        reason: `callback ${c.status} since ${c.updatedAt}, beyond the retry schedule`,
      };
      if (dryRun) add(item);
      else {
        try {
          await deps.deliveries.start({ resume: { webhookId: c.webhookId } }, executionName(c));
          add(item);
          report.remediated.redelivered++;
        } catch (error) {
          // Already restarted at this revision (same execution name), or Step Functions failing.
          report.errors++;
          deps.logger.warn('re-delivery not started', { webhookId: c.webhookId, error: String(error) });
        }
      }
      step();
    }

    const found = foundTotal(report.found);
    if (!dryRun) deps.metrics.stuckShipmentsFound(found);
    report.finishedAt = isoAt(deps.clock);
    if (!dryRun) await deps.runs.saveReport(report);
    deps.logger.info('reconciliation finished', {
      runId: report.runId,
      dryRun,
      found: report.found,
      remediated: report.remediated,
      heldByBreaker: report.heldByBreaker,
      changedMeanwhile: report.changedMeanwhile,
    });
    return report;
  } finally {
    if (!dryRun) await deps.runs.release(RECONCILE_LEASE, options.runId);
  }
}

/**
 * OPTIMIZING → QUEUED, or QUEUED → QUEUED, announced as `shipment.requeued` (the consumers are
 * idempotent by shipment and version). Conditional on the revision listed: a shipment that moved
 * on meanwhile (or that another run re-queued) is left alone. False when it was not stuck after all.
 */
async function requeue(
  listed: ShipmentState,
  from: 'OPTIMIZING' | 'QUEUED' | 'RECEIVED',
  reason: string,
  deps: ReconcileDeps,
  dryRun: boolean,
  report: ReconciliationReport,
): Promise<boolean> {
  const current = await deps.store.get(listed.shipmentId); // caught up from the trail
  if (!current || current.status !== from || current.revision !== listed.revision) {
    report.changedMeanwhile++;
    return false;
  }
  if (dryRun) return true;
  const written = await transitionAt(deps, current, {
    type: 'shipment.requeued',
    to: 'QUEUED',
    version: current.version,
    correlationId: current.correlationId,
    patch: { statusReason: `reconciliation: ${reason}` },
    busEvent: 'shipment.requeued',
  });
  if (!written) {
    report.changedMeanwhile++; // another writer moved it first
    return false;
  }
  report.remediated.requeued++;
  return true;
}

/** One execution name per callback revision: a second restart of the same state is refused. */
function executionName(c: CallbackRecord): string {
  return `reconcile-${c.webhookId}-${c.rev}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80);
}

const hours = (ms: number) => `${Math.round((ms / 3600_000) * 10) / 10} h`;
