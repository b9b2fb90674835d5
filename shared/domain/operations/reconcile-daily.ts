import type { CallbackStore, DeliveryStarter } from '../callbacks/ports';
import { type Clock, isoAt } from '../clock';
import type { CoreLogger, ShipmentStore } from '../ports';
import { callbackOf, executionName, startDeliveryOnce } from './callback-redrive';
import type { DAILY_FINDINGS } from './metric-names';
import type { ReconciliationRuns } from './reconcile';

/** One line of the SCM's listing (contract §5: `GET /shipments?updatedSince=`). */
export interface ScmShipment {
  shipmentId: string;
  version: number;
  status: string;
}

/** The SCM's listing, every page of it (the adapter follows the cursor). */
export interface ScmListing {
  listUpdatedSince(updatedSince: string): Promise<ScmShipment[]>;
}

export type DailyFinding = (typeof DAILY_FINDINGS)[number];

export interface DailyItem {
  finding: DailyFinding;
  shipmentId: string;
  /** Our version (0: we have no such shipment). */
  version: number;
  scmVersion?: number;
  action: 'redelivered' | 'flagged';
  reason: string;
  webhookId?: string;
}

export interface DailyReconciliationReport {
  runId: string;
  kind: 'daily';
  dryRun: boolean;
  outcome: 'completed' | 'busy';
  updatedSince: string;
  startedAt: string;
  finishedAt: string;
  /** SCM items read, and our ROUTE_APPLIED/CALLBACK_FAILED shipments compared the other way. */
  compared: { scm: number; ours: number };
  found: Record<DailyFinding, number>;
  remediated: { redelivered: number; flagged: number };
  /** A re-send already started for this callback revision (by an overlapping or earlier run). */
  alreadyRedelivered: number;
  errors: number;
  items: DailyItem[];
}

export interface DailyReconcileDeps {
  store: Pick<ShipmentStore, 'get' | 'events' | 'listShipments'>;
  callbacks: Pick<CallbackStore, 'get'>;
  deliveries: DeliveryStarter;
  runs: ReconciliationRuns;
  scm: ScmListing;
  clock: Clock;
  logger: Pick<CoreLogger, 'info' | 'warn'>;
  /** What a completed run found, per finding (a dry run records nothing). */
  metrics: { scmDiscrepanciesFound(finding: DailyFinding, count: number): void };
  /** How far back the comparison looks (default 26 h: a day and an overlap with the last run). */
  lookbackMs?: number;
  leaseMs?: number;
}

export const RECONCILE_DAILY_LEASE = 'reconcile#daily';
const DEFAULT_LOOKBACK_MS = 26 * 3600_000;
const MAX_ITEMS_IN_REPORT = 500;
const PAGE = 100;

/**
 * The daily comparison with the SCM's listing (contract §5). For each SCM item, our state is read
 * by id; the other way, our ROUTE_APPLIED and CALLBACK_FAILED shipments changed in the same period
 * are read from the status index (never a Scan).
 *  - the SCM has a version we do not → flagged `scm-newer-version` (we never received that body,
 *    so there is nothing to re-queue: the SCM has to send it again);
 *  - our route (ROUTE_APPLIED or CALLBACK_FAILED) that the SCM does not show applied at our
 *    version → its callback re-sent with the same webhook-id (`{resend: {webhookId, key}}`);
 *  - anything else that disagrees (the SCM shows a route we cancelled, a callback record missing) →
 *    flagged `disagreement`.
 * One run at a time holds the lease; a re-send is one execution per callback revision, so
 * overlapping runs re-send once.
 */
export async function reconcileDaily(
  deps: DailyReconcileDeps,
  options: { runId: string; dryRun?: boolean; onProgress?: (done: number, total: number) => void },
): Promise<DailyReconciliationReport> {
  const dryRun = options.dryRun ?? false;
  const startedAt = isoAt(deps.clock);
  const updatedSince = new Date(deps.clock.now() - (deps.lookbackMs ?? DEFAULT_LOOKBACK_MS)).toISOString();
  const report: DailyReconciliationReport = {
    runId: options.runId,
    kind: 'daily',
    dryRun,
    outcome: 'completed',
    updatedSince,
    startedAt,
    finishedAt: startedAt,
    compared: { scm: 0, ours: 0 },
    found: { 'scm-newer-version': 0, 'scm-lacks-route': 0, disagreement: 0 },
    remediated: { redelivered: 0, flagged: 0 },
    alreadyRedelivered: 0,
    errors: 0,
    items: [],
  };
  const leaseMs = deps.leaseMs ?? 30 * 60_000;
  if (!dryRun && !(await deps.runs.acquire(RECONCILE_DAILY_LEASE, options.runId, leaseMs))) {
    deps.logger.info('daily reconciliation skipped: another run holds the lease', { runId: options.runId });
    return { ...report, outcome: 'busy', finishedAt: isoAt(deps.clock) };
  }
  try {
    const add = (item: DailyItem) => {
      report.found[item.finding]++;
      if (item.action === 'flagged') report.remediated.flagged++;
      if (report.items.length < MAX_ITEMS_IN_REPORT) report.items.push(item);
    };
    const scmItems = await deps.scm.listUpdatedSince(updatedSince);
    report.compared.scm = scmItems.length;
    const scmById = new Map<string, ScmShipment>();
    for (const s of scmItems) {
      const known = scmById.get(s.shipmentId);
      if (!known || s.version > known.version) scmById.set(s.shipmentId, s);
    }
    const settled = new Set<string>();
    // Progress: the SCM's items, then ours page by page (the total grows while pages remain).
    let done = 0;
    let known = scmById.size;
    const step = () => options.onProgress?.(++done, known);
    for (const s of scmById.values()) {
      const ours = await deps.store.get(s.shipmentId);
      if (!ours || ours.version < s.version) {
        settled.add(s.shipmentId);
        add({
          finding: 'scm-newer-version',
          shipmentId: s.shipmentId,
          version: ours?.version ?? 0,
          scmVersion: s.version,
          action: 'flagged',
          reason: ours
            ? `the SCM has v${s.version}, we have v${ours.version}: we never received that body, so it cannot be re-queued here; the SCM has to send it again`
            : `the SCM has v${s.version} of a shipment we never received: it cannot be re-queued here; the SCM has to send it`,
        });
      } else if (ours.status === 'CANCELLED' && s.status === 'ROUTE_APPLIED' && ours.version === s.version) {
        settled.add(s.shipmentId);
        add({
          finding: 'disagreement',
          shipmentId: s.shipmentId,
          version: ours.version,
          scmVersion: s.version,
          action: 'flagged',
          reason: `the SCM shows a route applied for v${s.version}, which we have CANCELLED`,
        });
      }
      step();
    }
    for (const status of ['ROUTE_APPLIED', 'CALLBACK_FAILED'] as const) {
      let cursor: string | undefined;
      do {
        const page = await deps.store.listShipments(
          { status, updatedSince },
          { limit: PAGE, ...(cursor ? { cursor } : {}) },
        );
        cursor = page.nextCursor;
        known += page.items.length;
        for (const ours of page.items) {
          report.compared.ours++;
          const theirs = scmById.get(ours.shipmentId);
          const agrees = theirs && theirs.version === ours.version && theirs.status === 'ROUTE_APPLIED';
          if (!settled.has(ours.shipmentId) && !agrees)
            await resend(ours.shipmentId, ours.version, status, theirs, deps, dryRun, report, add);
          step();
        }
      } while (cursor);
    }
    report.finishedAt = isoAt(deps.clock);
    if (!dryRun) {
      await deps.runs.saveReport(report);
      for (const [finding, count] of Object.entries(report.found) as [DailyFinding, number][])
        deps.metrics.scmDiscrepanciesFound(finding, count);
    }
    deps.logger.info('daily reconciliation finished', {
      runId: report.runId,
      dryRun,
      compared: report.compared,
      found: report.found,
      remediated: report.remediated,
    });
    return report;
  } finally {
    if (!dryRun) await deps.runs.release(RECONCILE_DAILY_LEASE, options.runId);
  }
}

/** Our route the SCM lacks: its callback (found through the trail's route.optimized) re-sent. */
async function resend(
  shipmentId: string,
  version: number,
  status: 'ROUTE_APPLIED' | 'CALLBACK_FAILED',
  theirs: ScmShipment | undefined,
  deps: DailyReconcileDeps,
  dryRun: boolean,
  report: DailyReconciliationReport,
  add: (item: DailyItem) => void,
) {
  const scmSays = theirs ? `the SCM shows v${theirs.version} ${theirs.status}` : 'the SCM does not list it';
  const { webhookId, record } = await callbackOf({ shipmentId, version }, deps);
  if (!webhookId || !record || record.mode === 'shadow') {
    add({
      finding: 'disagreement',
      shipmentId,
      version,
      ...(theirs ? { scmVersion: theirs.version } : {}),
      action: 'flagged',
      reason: `${status} v${version}, ${scmSays}, and ${!record ? 'no callback record is left to re-send' : 'its callback is a shadow copy'}`,
    });
    return;
  }
  const item: DailyItem = {
    finding: 'scm-lacks-route',
    shipmentId,
    version,
    ...(theirs ? { scmVersion: theirs.version } : {}),
    action: 'redelivered',
    webhookId,
    reason: `${status} v${version}, ${scmSays}: callback re-sent with its webhook-id`,
  };
  if (dryRun) return add(item);
  // One re-send per callback revision: a second run (or an overlapping one) re-sends nothing more.
  const key = `daily-r${record.rev}`;
  try {
    const started = await startDeliveryOnce(
      deps.deliveries,
      { resend: { webhookId, key } },
      executionName('daily', webhookId, record.rev),
    );
    if (started === 'already') {
      report.alreadyRedelivered++;
      return;
    }
    add(item);
    report.remediated.redelivered++;
  } catch (error) {
    report.errors++;
    deps.logger.warn('daily re-send not started', { webhookId, error: String(error) });
  }
}
