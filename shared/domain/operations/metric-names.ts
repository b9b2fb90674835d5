/**
 * The operational metrics of contract §5, named once: the functions emit them (Powertools Metrics,
 * EMF, namespace `ScmRouteOptimizer`, dimension `service`), the CDK monitoring construct graphs and
 * alarms on them, and the local runtime's ops page shows the same names from its in-process sink.
 */
export const METRIC_NAMESPACE = 'ScmRouteOptimizer';
export const METRIC_SERVICE = 'scm-route-optimizer';

export const METRICS = {
  /** Seconds one batch optimization took (job received → routes saved), per `priority`; budget BATCH_BUDGET_SECONDS. */
  optimizationSeconds: 'OptimizationSeconds',
  /** Seconds of an URGENT real-time insertion inside the API call (or the p0 consumer). */
  realtimeSeconds: 'RealtimeSeconds',
  /** A callback the SCM took (2xx, 409 or 410 settled it). */
  callbackDelivered: 'CallbackDelivered',
  /** A callback that failed for good (dead-lettered). */
  callbackFailed: 'CallbackFailed',
  /** A circuit breaker opened (1 per opening); `CircuitState` is 1 open, 0 closed. */
  circuitOpened: 'CircuitOpened',
  circuitState: 'CircuitState',
  /** A write lost a version or concurrency race (stale result, conditional-write conflict). */
  versionConflicts: 'VersionConflicts',
  /** Shipments a reconciliation run found stuck (any kind). */
  stuckShipmentsFound: 'StuckShipmentsFound',
  /**
   * Discrepancies the daily comparison with the SCM's listing found, per `finding`
   * (`scm-newer-version`, `scm-lacks-route`, `disagreement`): re-sent or flagged.
   */
  scmDiscrepanciesFound: 'ScmDiscrepanciesFound',
  /** A shipment given up as unplannable (STALE with the reason, shipment.unassigned sent to the SCM). */
  shipmentsUnassigned: 'ShipmentsUnassigned',
  /** Seconds from RECEIVED to ROUTE_APPLIED of one shipment. */
  endToEndSeconds: 'EndToEndSeconds',
} as const;

/** The `finding` dimension of `ScmDiscrepanciesFound`: what the daily comparison can find. */
export const DAILY_FINDINGS = ['scm-newer-version', 'scm-lacks-route', 'disagreement'] as const;

export type MetricName = (typeof METRICS)[keyof typeof METRICS];

/** Real-time insertion p99 above this is an alarm (contract §5). */
export const REALTIME_P99_ALARM_SECONDS = 10;
/** Any queue at or above this many visible messages is an alarm (contract §5). */
export const QUEUE_DEPTH_ALARM = 1000;
