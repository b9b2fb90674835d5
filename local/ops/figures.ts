import { GetQueueAttributesCommand, ListQueuesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { BatchStore, WindowStore } from '../../shared/domain/batching/ports';
import { addDays, calendarOf, dispatchCutoffOf, localDateOf } from '../../shared/domain/calendar';
import type { BreakerStore } from '../../shared/domain/callbacks/ports';
import type { Clock } from '../../shared/domain/clock';
import { METRICS } from '../../shared/domain/operations/metric-names';
import type { ShipmentStore } from '../../shared/domain/ports';
import type { BatchRecord, FleetConfig } from '../../shared/schemas/batching';
import type { ShipmentStatus } from '../../shared/schemas/state';
import type { RoutingPlan } from '../../shared/solver';
import type { LocalMetrics, Percentiles } from './metrics-store';

/** The CloudWatch SQS metric the local sampler records per queue (dimension QueueName). */
export const QUEUE_DEPTH_METRIC = 'ApproximateNumberOfMessagesVisible';

/** OPTIMIZING longer than this is stuck (contract §5, the hourly reconciliation's rule). */
export const STUCK_OPTIMIZING_MS = 2 * 3600_000;

export interface OpsSources {
  metrics: LocalMetrics;
  sqs: SQSClient;
  shipments: ShipmentStore;
  windows: WindowStore;
  batches: BatchStore;
  breakers: BreakerStore;
  /** The SCM endpoints whose breakers to show (the configured callback URL). */
  endpoints: () => string[];
  /** Regions whose batches to list (seen on the bus, configured in the fleet). */
  regions: () => string[];
  clock: Clock;
  /** The fleet configuration (region calendars: the plans' cutoffs). */
  fleet?: FleetConfig;
  /** Wall-clock ms (the charts' time axis). */
  nowMs?: () => number;
}

/** One living plan (contract §3a) as the page shows it. */
export interface PlanFigure {
  region: string;
  serviceDate: string;
  revision: number;
  stops: number;
  routes: number;
  distanceKm: number;
  unassigned: number;
  /** The plan's dispatch cutoff (service clock). */
  cutoffAt: string;
  /**
   * frozen: past its cutoff, final callbacks sent; open: re-planned by each window until the
   * cutoff; same-day: made after its cutoff, its routes freeze as they leave.
   */
  state: 'open' | 'frozen' | 'same-day';
  /** `replan.callbacksBeforeCutoff` false and the plan open: its shipments are told at the cutoff. */
  callbacksHeld: boolean;
  updatedAt: string;
}

export interface QueueFigure {
  name: string;
  visible: number;
  inFlight: number;
  deadLetter: boolean;
}

export interface FlaggedShipment {
  shipmentId: string;
  version: number;
  status: ShipmentStatus;
  region: string;
  updatedAt: string;
  reason: string;
}

export interface OpsFigures {
  generatedAt: string;
  windowMinutes: number;
  queues: QueueFigure[];
  openWindows: { windowId: string; priority: string; region: string; count: number; closesAt: string }[];
  recentBatches: Pick<
    BatchRecord,
    | 'batchId'
    | 'kind'
    | 'region'
    | 'priority'
    | 'optimized'
    | 'consolidationGainPct'
    | 'vehiclesUsed'
    | 'solverSeconds'
    | 'finishedAt'
  >[];
  latency: {
    optimization: Record<'STANDARD' | 'BULK', Percentiles>;
    realtime: Percentiles;
    endToEnd: Percentiles;
  };
  callbacks: { delivered: number; failed: number; attemptsFailed: number; successRate: number | null };
  breakers: { endpoint: string; state: string; consecutiveFailures: number; lastCircuitState?: number }[];
  versionConflicts: number;
  stuckShipmentsFound: number;
  /** Discrepancies the daily comparison with the SCM found (re-sent or flagged). */
  scmDiscrepanciesFound: number;
  flagged: FlaggedShipment[];
  /** The living plans from yesterday to 8 days ahead, earliest date first. */
  plans: PlanFigure[];
  /** Per-bucket series for the charts (t: epoch seconds, wall clock). */
  series: {
    bucketSeconds: number;
    t: number[];
    lines: Record<string, (number | null)[]>;
  };
}

const WINDOW_MS = 60 * 60_000;
const BUCKET_MS = 10_000;
const BUCKETS = 90;

/**
 * Everything the ops page shows, from the local runtime's own metrics and its stores: the same
 * figures the CloudWatch dashboard shows in AWS (contract §5), over the last hour.
 */
export async function collectFigures(src: OpsSources): Promise<OpsFigures> {
  const nowMs = src.nowMs?.() ?? Date.now();
  const since = nowMs - WINDOW_MS;
  const m = src.metrics;
  const [queues, openWindows, recentBatches, breakers, flagged, plans] = await Promise.all([
    sampleQueues(src.sqs, src.metrics),
    src.windows.dueWindows('9999-12-31T23:59:59.999Z', 200),
    recentBatchRecords(src),
    Promise.all(src.endpoints().map((endpoint) => src.breakers.get(endpoint))),
    flaggedShipments(src),
    livingPlans(src),
  ]);
  const delivered = m.sum(METRICS.callbackDelivered, { sinceMs: since });
  const failed = m.sum(METRICS.callbackFailed, { sinceMs: since });
  const series = (name: string, stat: 'sum' | 'max', dimensions?: Record<string, string>) =>
    m.series(name, { bucketMs: BUCKET_MS, buckets: BUCKETS, stat, ...(dimensions ? { dimensions } : {}) });
  const lines: Record<string, (number | null)[]> = {};
  let t: number[] = [];
  const add = (label: string, s: { t: number[]; v: (number | null)[] }) => {
    t = s.t.map((ms) => ms / 1000);
    lines[label] = s.v;
  };
  for (const q of queues) add(`depth ${q.name}`, series(QUEUE_DEPTH_METRIC, 'max', { QueueName: q.name }));
  add('optimization STANDARD', series(METRICS.optimizationSeconds, 'max', { priority: 'STANDARD' }));
  add('optimization BULK', series(METRICS.optimizationSeconds, 'max', { priority: 'BULK' }));
  add('real-time', series(METRICS.realtimeSeconds, 'max'));
  add('end to end', series(METRICS.endToEndSeconds, 'max'));
  add('callbacks delivered', series(METRICS.callbackDelivered, 'sum'));
  add('callbacks failed', series(METRICS.callbackFailed, 'sum'));
  add('version conflicts', series(METRICS.versionConflicts, 'sum'));

  const circuitMetric = new Map(
    m.latest(METRICS.circuitState).map((s) => [s.dimensions.endpoint ?? '', s.value]),
  );
  return {
    generatedAt: new Date(nowMs).toISOString(),
    windowMinutes: WINDOW_MS / 60_000,
    queues,
    openWindows: openWindows.map((w) => ({
      windowId: w.windowId,
      priority: w.priority,
      region: w.region,
      count: w.count,
      closesAt: w.closesAt,
    })),
    recentBatches,
    latency: {
      optimization: {
        STANDARD: m.percentiles(METRICS.optimizationSeconds, {
          dimensions: { priority: 'STANDARD' },
          sinceMs: since,
        }),
        BULK: m.percentiles(METRICS.optimizationSeconds, {
          dimensions: { priority: 'BULK' },
          sinceMs: since,
        }),
      },
      realtime: m.percentiles(METRICS.realtimeSeconds, { sinceMs: since }),
      endToEnd: m.percentiles(METRICS.endToEndSeconds, { sinceMs: since }),
    },
    callbacks: {
      delivered,
      failed,
      attemptsFailed: m.sum('CallbackAttemptFailed', { sinceMs: since }),
      successRate: delivered + failed > 0 ? delivered / (delivered + failed) : null,
    },
    breakers: breakers.map((b) => ({
      endpoint: b.endpoint,
      // The stored breaker is the truth; the CircuitState gauge says the same when it has moved.
      state: b.state,
      consecutiveFailures: b.consecutiveFailures,
      ...(circuitMetric.has(b.endpoint) ? { lastCircuitState: circuitMetric.get(b.endpoint) } : {}),
    })),
    versionConflicts: m.sum(METRICS.versionConflicts, { sinceMs: since }),
    stuckShipmentsFound: m.sum(METRICS.stuckShipmentsFound, { sinceMs: since }),
    scmDiscrepanciesFound: m.sum(METRICS.scmDiscrepanciesFound, { sinceMs: since }),
    flagged,
    plans,
    series: { bucketSeconds: BUCKET_MS / 1000, t, lines },
  };
}

/** Records every local queue's depth (the CloudWatch SQS metric's name) and returns the figures. */
export async function sampleQueues(sqs: SQSClient, metrics: LocalMetrics): Promise<QueueFigure[]> {
  const queues = await queueFigures(sqs);
  for (const q of queues)
    metrics.record({
      name: QUEUE_DEPTH_METRIC,
      unit: 'Count',
      value: q.visible,
      dimensions: { QueueName: q.name },
    });
  return queues;
}

async function queueFigures(sqs: SQSClient): Promise<QueueFigure[]> {
  const listed = await sqs.send(new ListQueuesCommand({}));
  const figures = await Promise.all(
    (listed.QueueUrls ?? []).map(async (url) => {
      const attrs = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      const name = url.slice(url.lastIndexOf('/') + 1);
      return {
        name,
        visible: Number(attrs.Attributes?.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(attrs.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
        deadLetter: /-dlq$|DeadLetters$/.test(name),
      };
    }),
  );
  return figures.sort((a, b) => Number(a.deadLetter) - Number(b.deadLetter) || a.name.localeCompare(b.name));
}

async function recentBatchRecords(src: OpsSources): Promise<OpsFigures['recentBatches']> {
  const perRegion = await Promise.all(src.regions().map((r) => src.batches.listBatches(r)));
  return perRegion
    .flat()
    .sort((a, b) => b.finishedAt.localeCompare(a.finishedAt))
    .slice(0, 15)
    .map((b) => ({
      batchId: b.batchId,
      kind: b.kind,
      region: b.region,
      priority: b.priority,
      optimized: b.optimized,
      consolidationGainPct: b.consolidationGainPct,
      vehiclesUsed: b.vehiclesUsed,
      solverSeconds: b.solverSeconds,
      finishedAt: b.finishedAt,
    }));
}

/** STALE and CALLBACK_FAILED shipments, and OPTIMIZING ones past two hours: what needs a look. */
async function flaggedShipments(src: OpsSources): Promise<FlaggedShipment[]> {
  const stuckBefore = new Date(src.clock.now() - STUCK_OPTIMIZING_MS).toISOString();
  const [stale, failed, stuck] = await Promise.all([
    src.shipments.listByStatus('STALE', { limit: 50 }),
    src.shipments.listByStatus('CALLBACK_FAILED', { limit: 50 }),
    src.shipments.listByStatus('OPTIMIZING', { updatedBefore: stuckBefore, limit: 50 }),
  ]);
  return [...stuck, ...failed, ...stale].map((s) => ({
    shipmentId: s.shipmentId,
    version: s.version,
    status: s.status,
    region: s.region,
    updatedAt: s.updatedAt,
    reason:
      s.statusReason ??
      (s.status === 'OPTIMIZING' ? 'OPTIMIZING for over 2 h' : `${s.status} with no reason recorded`),
  }));
}

/** Plans are read whole (header and route items): at most once per this many wall ms per source. */
const PLANS_EVERY_MS = 10_000;
const planCache = new WeakMap<OpsSources, { atMs: number; plans: PlanFigure[] }>();

/**
 * The living plans of the dates a cutoff can still concern (yesterday to 8 days ahead, as the
 * dispatch cutoff looks), with their revision, size, cutoff and state.
 */
export async function livingPlans(src: OpsSources): Promise<PlanFigure[]> {
  const wall = src.nowMs?.() ?? Date.now();
  const cached = planCache.get(src);
  if (cached && wall - cached.atMs < PLANS_EVERY_MS) return cached.plans;
  const now = src.clock.now();
  const today = localDateOf(now, 'UTC');
  const dates = Array.from({ length: 10 }, (_, i) => addDays(today, i - 1));
  const perDate = await Promise.all(
    dates.map(async (serviceDate) => {
      const regions = await src.batches.planRegions(serviceDate);
      return Promise.all(
        regions.map(async (region): Promise<PlanFigure | undefined> => {
          const plan = await src.batches.getRegionPlan(region, serviceDate);
          if (!plan) return undefined;
          const routing = plan.plan as RoutingPlan;
          const cutoff = src.fleet
            ? dispatchCutoffOf(serviceDate, calendarOf(region, src.fleet))
            : Number.NaN;
          const madeAfter = Date.parse(plan.createdAt ?? plan.updatedAt) >= cutoff;
          const state = plan.frozenAt ? 'frozen' : madeAfter || cutoff <= now ? 'same-day' : 'open';
          return {
            region,
            serviceDate,
            revision: plan.revision,
            stops: routing.routes.reduce((n, r) => n + r.stops.length, 0),
            routes: routing.routes.filter((r) => r.stops.length > 0).length,
            distanceKm: Math.round(routing.distanceMeters / 100) / 10,
            unassigned: routing.unassigned.length,
            cutoffAt: Number.isFinite(cutoff) ? new Date(cutoff).toISOString() : '',
            state,
            callbacksHeld: state === 'open' && src.fleet?.replan.callbacksBeforeCutoff === false,
            updatedAt: plan.updatedAt,
          };
        }),
      );
    }),
  );
  const plans = perDate.flat().filter((p): p is PlanFigure => p !== undefined);
  planCache.set(src, { atMs: wall, plans });
  return plans;
}
